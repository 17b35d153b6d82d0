// Binds checkpoint tensors to the BERT modules that use them, after comparing config.json with the
// checkpoint's table, checking every name and shape and reporting the mismatches in one capped error
// (like bert.cpp's table; `TensorBinder` does the lookups).
// Names follow transformers' `modeling_bert.py`; keys may carry the `bert.` prefix or not.
import Checkpoint

/// A weight matrix stored as PyTorch does, `[out, in]` row-major, used as `x · Wᵀ + b`.
public struct Linear: Sendable {
    public let weight: FloatTensor
    public let bias: FloatTensor
    /// The weight repacked for the vector kernels, when the engine uses them (see `PackedWeight`).
    var packed: PackedWeight? = nil
    /// The weight in int8 for int16-coded inputs, when the engine runs at `Precision.int8` (see
    /// `QuantizedWeight`).
    var quantized: QuantizedWeight? = nil
    /// The weight in int8 for byte-coded inputs, when the engine runs at `Precision.int8` (see
    /// `ByteCodedWeight`).
    var byteCoded: ByteCodedWeight? = nil
    public var outputs: Int { weight.shape[0] }
    public var inputs: Int { weight.shape[1] }

    /// This layer with its weight packed, where a kernel runs on this CPU for its shape.
    func packingWeight() -> Linear { Linear(weight: weight, bias: bias, packed: PackedWeight(weight)) }

    /// This layer packed for `precision`: int8 where its shape allows (on byte-coded inputs when
    /// `byteCodes`, else on int16-coded ones), else packed fp32.
    func packingWeight(_ precision: Precision, byteCodes: Bool = false) -> Linear {
        guard precision == .int8 else { return packingWeight() }
        if byteCodes, let byteCoded = ByteCodedWeight(weight) {
            return Linear(weight: weight, bias: bias, byteCoded: byteCoded)
        }
        guard let quantized = QuantizedWeight(weight) else { return packingWeight() }
        return Linear(weight: weight, bias: bias, quantized: quantized)
    }

    /// Whether the product runs in int8 (either scheme).
    var isInt8: Bool { quantized != nil || byteCoded != nil }

    /// Each output row depends only on its own input row (packed kernels; OpenBLAS may not, see
    /// `BertEncoder.minimumClsRows`).
    var computesRowByRow: Bool { packed != nil || isInt8 }
}

public struct LayerNormWeights: Sendable {
    public let gamma: FloatTensor
    public let beta: FloatTensor
}

public struct EmbeddingWeights: Sendable {
    public let words: FloatTensor
    public let positions: FloatTensor
    public let tokenTypes: FloatTensor
    public let norm: LayerNormWeights
}

public struct EncoderLayerWeights: Sendable {
    public let query: Linear
    public let key: Linear
    public let value: Linear
    public let attentionOutput: Linear
    public let attentionNorm: LayerNormWeights
    public let intermediate: Linear
    public let output: Linear
    public let outputNorm: LayerNormWeights

    /// Every layer packed for `precision`, except that at int8 the last layer stays fp32: measured on
    /// all-MiniLM-L6-v2 (docstring pairs, `reward-server compare`), it holds the most of int8's ranking
    /// error, and it costs little, since only its key and value products run on every token.
    /// Layers pack independently, so they are split over the threads.
    static func packing(
        _ layers: [EncoderLayerWeights], _ precision: Precision, parallel: Parallel
    ) -> [EncoderLayerWeights] {
        var packed = [EncoderLayerWeights?](repeating: nil, count: layers.count)
        packed.withUnsafeMutableBufferPointer { packed in
            parallel.forEachInterleaved(count: layers.count) { _, index in
                packed[index] = layers[index].packingWeights(index == layers.count - 1 ? .fp32 : precision)
            }
        }
        return packed.map { $0! }
    }

    /// The six products, in the order they run.
    var linears: [Linear] { [query, key, value, attentionOutput, intermediate, output] }

    /// The same layer with its six products' weights packed (see `PackedWeight`). At int8 every product
    /// but the feed-forward output runs on byte-coded inputs (`ByteCodedWeight`); that one keeps int16
    /// codes (`QuantizedWeight`): its inputs, GELU outputs, have a long tail on every token that byte
    /// codes lose, and on the docstring pairs it alone took ranking agreement below 98.5%.
    func packingWeights(_ precision: Precision = .fp32) -> EncoderLayerWeights {
        EncoderLayerWeights(
            query: query.packingWeight(precision, byteCodes: true), key: key.packingWeight(precision, byteCodes: true),
            value: value.packingWeight(precision, byteCodes: true),
            attentionOutput: attentionOutput.packingWeight(precision, byteCodes: true),
            attentionNorm: attentionNorm, intermediate: intermediate.packingWeight(precision, byteCodes: true),
            output: output.packingWeight(precision), outputNorm: outputNorm)
    }
}

public enum HeadWeights: Sendable {
    /// v2: `bert.pooler.dense` then `classifier`.
    case sequenceClassification(pooler: Linear, classifier: Linear)
    /// v1: `cls_layer1`, `ff1`, `ff2`.
    case bertReward(clsLayer1: Linear, ff1: Linear, ff2: Linear)
    /// The other families' classifiers on the first token: `out(activation(dense(x)))`, N outputs
    /// (RoBERTa/ELECTRA `classifier.dense` + `out_proj`, DistilBERT `pre_classifier` + `classifier`,
    /// DeBERTa `pooler.dense` + `classifier`).
    case classifier(dense: Linear, activation: Activation, out: Linear)
}

extension HeadWeights {
    /// The head with its weights copied out of a mapped checkpoint (`FloatTensor.inOrdinaryMemory`):
    /// it reads them on every pass, and it is tiny next to the encoder.
    func inOrdinaryMemory() -> HeadWeights {
        func copied(_ l: Linear) -> Linear {
            Linear(weight: l.weight.inOrdinaryMemory(), bias: l.bias.inOrdinaryMemory())
        }
        switch self {
        case .sequenceClassification(let pooler, let classifier):
            return .sequenceClassification(pooler: copied(pooler), classifier: copied(classifier))
        case .bertReward(let clsLayer1, let ff1, let ff2):
            return .bertReward(clsLayer1: copied(clsLayer1), ff1: copied(ff1), ff2: copied(ff2))
        case .classifier(let dense, let activation, let out):
            return .classifier(dense: copied(dense), activation: activation, out: copied(out))
        }
    }
}

public struct BertWeights: Sendable {
    public let embeddings: EmbeddingWeights
    public let layers: [EncoderLayerWeights]
    public let head: HeadWeights
}

public enum ModelLoadError: Error, CustomStringConvertible, Equatable {
    /// The offending tensors, one line each (missing, mis-shaped, wrong dtype or unexpected), capped.
    case tensorMismatches(TensorMismatches)

    public var description: String {
        switch self {
        case .tensorMismatches(let mismatches): mismatches.description
        }
    }
}

extension BertWeights {
    /// Binds every tensor `config` calls for. The config is first compared with the checkpoint's table
    /// (`ModelConfig.check(against:)`), so the per-layer work below is bounded by what the file holds.
    public static func load(from store: any WeightStore, config: ModelConfig) throws -> BertWeights {
        try config.check(against: store.tensors)
        let binder = TensorBinder(store: store)
        let weights = bind(binder, config)
        binder.reportUnexpectedLayers(config.layerCount)
        guard binder.problems.isEmpty, let weights else { throw ModelLoadError.tensorMismatches(binder.problems) }
        return weights
    }

    /// Every tensor name and shape a checkpoint of `config` holds, keys prefixed `bert.`: what `load`
    /// asks for, recorded from the same binding code, so the table is written once.
    public static func expectedShapes(_ config: ModelConfig) -> [(String, [Int])] {
        let recorder = TensorBinder(store: InMemoryWeights([:]), prefix: "bert.")
        _ = bind(recorder, config)
        return recorder.requested.map { ($0.name, $0.shape) }
    }

    private static func bind(_ b: TensorBinder, _ c: ModelConfig) -> BertWeights? {
        let h = c.hiddenSize
        let words = b.tensor("embeddings.word_embeddings.weight", [c.vocabSize, h], inPlace: true)
        let positions = b.tensor("embeddings.position_embeddings.weight", [c.maxPositions, h])
        let types = b.tensor("embeddings.token_type_embeddings.weight", [c.typeVocabSize, h])
        let norm = b.layerNorm("embeddings.LayerNorm", h)
        let layers = (0..<c.layerCount).map { bindLayer(b, "encoder.layer.\($0)", c) }
        let head = bindHead(b, c)
        let presentLayers = layers.compactMap { $0 }
        guard let words, let positions, let types, let norm, let head, presentLayers.count == layers.count else {
            return nil
        }
        let embeddings = EmbeddingWeights(words: words, positions: positions, tokenTypes: types, norm: norm)
        return BertWeights(embeddings: embeddings, layers: presentLayers, head: head)
    }

    static func bindLayer(_ b: TensorBinder, _ p: String, _ c: ModelConfig) -> EncoderLayerWeights? {
        let h = c.hiddenSize
        let i = c.intermediateSize
        let q = b.linear("\(p).attention.self.query", h, h)
        let k = b.linear("\(p).attention.self.key", h, h)
        let v = b.linear("\(p).attention.self.value", h, h)
        let o = b.linear("\(p).attention.output.dense", h, h)
        let n1 = b.layerNorm("\(p).attention.output.LayerNorm", h)
        let up = b.linear("\(p).intermediate.dense", i, h)
        let down = b.linear("\(p).output.dense", h, i)
        let n2 = b.layerNorm("\(p).output.LayerNorm", h)
        guard let q, let k, let v, let o, let n1, let up, let down, let n2 else { return nil }
        return EncoderLayerWeights(
            query: q, key: k, value: v, attentionOutput: o, attentionNorm: n1,
            intermediate: up, output: down, outputNorm: n2)
    }

    private static func bindHead(_ b: TensorBinder, _ c: ModelConfig) -> HeadWeights? {
        let h = c.hiddenSize
        switch c.layout {
        case .sequenceClassification:
            let pooler = b.linear("pooler.dense", h, h)
            let classifier = b.linear("classifier", 1, h, encoderKey: false)
            guard let pooler, let classifier else { return nil }
            return .sequenceClassification(pooler: pooler, classifier: classifier)
        case .bertReward:
            let r = c.rewardHiddenSize
            let l1 = b.linear("cls_layer1", r, h, encoderKey: false)
            let f1 = b.linear("ff1", r, r, encoderKey: false)
            let f2 = b.linear("ff2", 1, r, encoderKey: false)
            guard let l1, let f1, let f2 else { return nil }
            return .bertReward(clsLayer1: l1, ff1: f1, ff2: f2)
        }
    }
}
