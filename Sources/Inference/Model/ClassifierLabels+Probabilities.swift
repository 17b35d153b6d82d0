// Turns a classifier's logits into what its `problem_type` means: softmax over the labels for
// single-label classification, an independent sigmoid per label for multi-label, the raw value for
// regression. For the service's classification routes; the engine itself returns raw logits.
import Checkpoint
import Foundation

extension ClassifierLabels {
    public func probabilities(_ logits: [Float]) -> [Float] {
        switch problemType {
        case .regression: return logits
        case .multiLabelClassification: return logits.map { 1 / (1 + exp(-$0)) }
        case .singleLabelClassification:
            guard let top = logits.max() else { return [] }
            let exps = logits.map { exp($0 - top) }
            let total = exps.reduce(0, +)
            return exps.map { $0 / total }
        }
    }
}
