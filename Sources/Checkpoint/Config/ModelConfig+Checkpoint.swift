// Compares config.json with a checkpoint's tensor table (names and shapes, no tensor data) before
// anything is sized from the config: the layer count from the layer names, each width from the shape
// of a tensor that carries it. A contradicted field fails here, naming the field, its value and the
// tensor, instead of later as one mismatch per expected tensor (100,000 layers were 1.6 million lines).

extension ModelConfig {
    /// Throws `ModelConfigError.contradictedByCheckpoint` with every field the table contradicts, each
    /// once. Work and message size follow the checkpoint's table, whatever the config says. Tensors that
    /// are missing or of another rank are left to the weight table's per-tensor report.
    public func check(against tensors: [String: TensorInfo]) throws {
        let encoder = EncoderLayout(tensorNames: tensors.keys, family: family)
        var found: [ConfigContradiction] = []
        if encoder.layerIndices.count != layerCount {
            found.append(
                ConfigContradiction(
                    field: family == .distilbert ? "n_layers" : "num_hidden_layers", configValue: layerCount, evidence: "the checkpoint \(encoder.summary)"))
        }
        for (key, axes) in sizedTensors(encoder) {
            guard let shape = tensors[key]?.shape, shape.count == axes.count else { continue }
            for (axis, (field, value)) in axes.enumerated()
            where shape[axis] != value && !found.contains(where: { $0.field == field }) {
                found.append(
                    ConfigContradiction(
                        field: field, configValue: value, evidence: "the checkpoint's \(key) has shape \(shape)"))
            }
        }
        guard found.isEmpty else { throw ModelConfigError.contradictedByCheckpoint(found) }
    }

    /// The tensors whose shapes carry config sizes, each with the config field of every axis.
    private func sizedTensors(_ encoder: EncoderLayout) -> [(key: String, axes: [(String, Int)])] {
        let p = encoder.prefix
        let distil = family == .distilbert
        let hidden = (distil ? "dim" : "hidden_size", hiddenSize)
        let embedding = embeddingSize.map { _ in ("embedding_size", embeddingWidth) } ?? hidden
        var table = [(p + "embeddings.word_embeddings.weight", [("vocab_size", vocabSize), embedding])]
        if hasAbsolutePositions {
            table.append(
                (p + "embeddings.position_embeddings.weight", [("max_position_embeddings", maxPositions), embedding]))
        }
        if hasTokenTypes {
            table.append((p + "embeddings.token_type_embeddings.weight", [("type_vocab_size", typeVocabSize), embedding]))
        }
        if let first = encoder.layerIndices.first {
            let key = "\(encoder.layerPrefix)\(first).\(distil ? "ffn.lin1" : "intermediate.dense").weight"
            table.append((key, [(distil ? "hidden_dim" : "intermediate_size", intermediateSize), hidden]))
        }
        if layout == .bertReward {
            table.append(("cls_layer1.weight", [("linear_layer", rewardHiddenSize), hidden]))
        }
        return table
    }
}
