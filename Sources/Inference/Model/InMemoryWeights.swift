// A weight store held in memory: for programmatic models (benchmarks with random weights, tests
// that build deliberately broken checkpoints) without touching the file readers.
import Checkpoint
import Foundation

public final class InMemoryWeights: WeightStore {
    private let storage: [String: FloatTensor]
    public let tensors: [String: TensorInfo]

    public init(_ arrays: [String: (shape: [Int], values: [Float])]) {
        storage = arrays.mapValues { FloatTensor(shape: $0.shape, copying: $0.values) }
        tensors = Dictionary(
            uniqueKeysWithValues: arrays.map { ($0, TensorInfo(name: $0, dtype: .f32, shape: $1.shape)) })
    }

    public func floats(_ name: String) throws -> FloatTensor {
        guard let tensor = storage[name] else { throw WeightError.unknownTensor(name: name, file: "(in memory)") }
        return tensor
    }
}

extension InMemoryWeights {
    /// A complete checkpoint for `config` with seeded normal(0, std) weights, keys prefixed `bert.`.
    public static func random(config: ModelConfig, seed: UInt64 = 42, std: Float = 0.02) -> InMemoryWeights {
        var rng = SplitMix64(seed: seed)
        var arrays: [String: (shape: [Int], values: [Float])] = [:]
        for (name, shape) in BertWeights.expectedShapes(config) {
            let count = shape.reduce(1, *)
            let isNormGain = name.hasSuffix("LayerNorm.weight")
            arrays[name] = (shape, (0..<count).map { _ in isNormGain ? 1 : rng.nextNormal() * std })
        }
        return InMemoryWeights(arrays)
    }
}

/// Small, fast, seedable generator (SplitMix64) so random models are identical across runs.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64
    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Standard normal via Box–Muller.
    public mutating func nextNormal() -> Float {
        let u1 = Double(next() >> 11) / Double(1 << 53) + 1e-300
        let u2 = Double(next() >> 11) / Double(1 << 53)
        return Float((-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2))
    }
}
