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
        for (name, shape) in expectedShapes(config) {
            let count = shape.reduce(1, *)
            let isNormGain = name.hasSuffix("LayerNorm.weight")
            arrays[name] = (shape, (0..<count).map { _ in isNormGain ? 1 : rng.nextNormal() * std })
        }
        return InMemoryWeights(arrays)
    }

    /// Every tensor name and shape a checkpoint of `config` holds, in transformers' naming.
    public static func expectedShapes(_ c: ModelConfig) -> [(String, [Int])] {
        let h = c.hiddenSize
        let i = c.intermediateSize
        func linear(_ name: String, _ out: Int, _ inp: Int) -> [(String, [Int])] {
            [("\(name).weight", [out, inp]), ("\(name).bias", [out])]
        }
        func norm(_ name: String) -> [(String, [Int])] { [("\(name).weight", [h]), ("\(name).bias", [h])] }
        var shapes: [(String, [Int])] = [
            ("bert.embeddings.word_embeddings.weight", [c.vocabSize, h]),
            ("bert.embeddings.position_embeddings.weight", [c.maxPositions, h]),
            ("bert.embeddings.token_type_embeddings.weight", [c.typeVocabSize, h]),
        ]
        shapes += norm("bert.embeddings.LayerNorm")
        for l in 0..<c.layerCount {
            let p = "bert.encoder.layer.\(l)"
            shapes += linear("\(p).attention.self.query", h, h) + linear("\(p).attention.self.key", h, h)
            shapes += linear("\(p).attention.self.value", h, h) + linear("\(p).attention.output.dense", h, h)
            shapes += norm("\(p).attention.output.LayerNorm")
            shapes += linear("\(p).intermediate.dense", i, h) + linear("\(p).output.dense", h, i)
            shapes += norm("\(p).output.LayerNorm")
        }
        shapes += linear("bert.pooler.dense", h, h)
        switch c.layout {
        case .sequenceClassification:
            shapes += linear("classifier", 1, h)
        case .bertReward:
            let r = c.rewardHiddenSize
            shapes += linear("cls_layer1", r, h) + linear("ff1", r, r) + linear("ff2", 1, r)
        }
        return shapes
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
