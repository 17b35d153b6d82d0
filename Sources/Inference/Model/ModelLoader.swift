// Builds the encoder and head of any supported family from config.json's values and a checkpoint:
// compares the config with the tensor table first, binds every tensor through one `TensorBinder`, and
// reports every missing or mis-shaped tensor at once. BERT keeps its own weight table (`BertWeights`).
import Checkpoint

enum ModelLoader {
    static func load(
        config: ModelConfig, store: any WeightStore, threads: Int, packWeights: Bool, precision: Precision
    ) throws -> (encoder: any SequenceEncoder, head: HeadWeights) {
        let parallel = Parallel(threads: threads)
        guard config.family != .bert else {
            let weights = try BertWeights.load(from: store, config: config)
            let encoder = BertEncoder(
                weights: weights, config: config, threads: threads, packWeights: packWeights, precision: precision)
            return (encoder, weights.head)
        }
        try config.check(against: store.tensors)
        let binder = TensorBinder(store: store, family: config.family)
        let loaded: (any SequenceEncoder, HeadWeights)?
        switch config.family {
        case .bert: loaded = nil
        case .roberta, .xlmRoberta:
            loaded = RobertaModel.load(
                binder, config, parallel: parallel, packWeights: packWeights, precision: precision)
        case .electra:
            loaded = ElectraModel.load(
                binder, config, parallel: parallel, packWeights: packWeights, precision: precision)
        case .distilbert:
            loaded = DistilBertModel.load(
                binder, config, parallel: parallel, packWeights: packWeights, precision: precision)
        case .debertaV2:
            loaded = DebertaV2Model.load(
                binder, config, parallel: parallel, packWeights: packWeights, precision: precision)
        }
        binder.reportUnexpectedLayers(config.layerCount)
        guard binder.problems.isEmpty, let loaded else { throw ModelLoadError.tensorMismatches(binder.problems) }
        return loaded
    }
}
