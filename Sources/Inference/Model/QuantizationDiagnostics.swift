// Per-product accuracy of int8 (a benchmark diagnostic, `engine-bench --sqnr`): the encoder runs in fp32
// and, at every linear product, the same input also goes through that product's int8 weight; the
// signal-to-quantisation-noise ratio of the int8 output against the fp32 one finds a bad layer.
// Reads the encoder's workspace between its passes; changes nothing in the encoder.
import Checkpoint
import Foundation

public struct ProductSQNR: Sendable {
    public let layer: Int
    /// query, key, value, attention.output, intermediate, output
    public let product: String
    /// 10 · log10(Σ fp32² / Σ (int8 − fp32)²) over the batch's outputs, in dB.
    public let decibels: Double
}

public enum QuantizationDiagnostics {
    /// SQNR of every encoder product at int8 against fp32, on the same inputs, for one packed batch.
    public static func productSQNR(
        config: ModelConfig, weights store: any WeightStore, batch sequences: [TokenSequence], threads: Int = 1
    ) throws -> [ProductSQNR] {
        let weights = try BertWeights.load(from: store, config: config)
        let batch = try PackedBatch(sequences, config: config)
        let encoder = BertEncoder(weights: weights, config: config, threads: threads, precision: .fp32)
        let parallel = Parallel(threads: threads)
        let rows = batch.tokenCount
        var retained: Workspace? = nil
        let ws = encoder.workspace(for: batch, retained: &retained)
        encoder.embeddings.forward(batch, into: ws.hidden.baseAddress!)
        var results: [ProductSQNR] = []
        let h = config.hiddenSize
        for (index, layer) in encoder.layers.enumerated() {
            let int8 = weights.layers[index].packingWeights(.int8)
            let input = Array(UnsafeBufferPointer(start: ws.hidden.baseAddress!, count: rows * h))
            // Query, key and value calibrate together, on one plan, as in the engine.
            let discarded = (0..<3).map { _ in UnsafeMutablePointer<Float>.allocate(capacity: rows * h) }
            Matmul.times(input, rows: rows, Array(zip([int8.query, int8.key, int8.value], discarded)), parallel: parallel)
            for buffer in discarded { buffer.deallocate() }
            layer.attention.forward(batch, ws)
            let context = Array(UnsafeBufferPointer(start: ws.context.baseAddress!, count: rows * h))
            let attended = Array(UnsafeBufferPointer(start: ws.hidden.baseAddress!, count: rows * h))
            layer.feedForward.forward(ws.hidden.baseAddress!, rows: rows, ws)
            let activated = Array(
                UnsafeBufferPointer(start: ws.intermediate.baseAddress!, count: rows * config.intermediateSize))
            let products: [(String, Linear, [Float])] = [
                ("query", int8.query, input), ("key", int8.key, input), ("value", int8.value, input),
                ("attention.output", int8.attentionOutput, context), ("intermediate", int8.intermediate, attended),
                ("output", int8.output, activated),
            ]
            for (name, linear, x) in products {
                let decibels = sqnr(linear, x, rows: rows, parallel: parallel)
                results.append(ProductSQNR(layer: index, product: name, decibels: decibels))
            }
        }
        return results
    }

    /// The product of `x` through `quantized`'s fp32 weight (OpenBLAS) and in int8, compared. A
    /// byte-coded product not yet calibrated calibrates on `x` itself (the engine calibrates on
    /// `CalibrationText`).
    private static func sqnr(_ quantized: Linear, _ x: [Float], rows: Int, parallel: Parallel) -> Double {
        var exact = [Float](repeating: 0, count: rows * quantized.outputs)
        var approximate = exact
        x.withUnsafeBufferPointer { input in
            Matmul.times(input.baseAddress!, rows: rows, quantized.weight, into: &exact)
            Matmul.times(input.baseAddress!, rows: rows, quantized, into: &approximate, parallel: parallel)
        }
        var signal = 0.0
        var noise = 0.0
        for (e, a) in zip(exact, approximate) {
            signal += Double(e) * Double(e)
            noise += (Double(a) - Double(e)) * (Double(a) - Double(e))
        }
        return noise == 0 ? .infinity : 10 * log10(signal / noise)
    }
}
