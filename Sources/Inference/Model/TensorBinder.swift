// The weight table's lookups: each tensor by its transformers name, checked for presence, shape and
// type, every problem recorded rather than stopping at the first. Problems are counted without limit
// but kept as text only up to `TensorMismatches.shownLimit`, so a broken checkpoint cannot make a
// huge error. It does not decide which tensors a model needs; `BertWeights` does.
import Checkpoint

/// Looks tensors up by their transformers name and records every problem instead of stopping at the first.
final class TensorBinder {
    let store: any WeightStore
    let prefix: String
    let encoder: EncoderLayout
    private(set) var problems = TensorMismatches()
    /// Every tensor asked for, under its transformers name, in order: the model's tensor table.
    private(set) var requested: [(name: String, shape: [Int])] = []

    /// `prefix` overrides the encoder-key prefix the store's names show (for listing a table).
    /// `family` names the key prefix and layer path the checkpoint's names are read with.
    init(store: any WeightStore, prefix: String? = nil, family: ModelFamily = .bert) {
        self.store = store
        encoder = EncoderLayout(tensorNames: store.tensors.keys, family: family)
        self.prefix = prefix ?? encoder.prefix
    }

    /// The tensor `name` (or the first of `aliases` present), checked against `shape`. Copied out of a
    /// mapped checkpoint unless `inPlace`: only linear weights (packed at load, their pages then given
    /// back) and vocabulary tables (read a row at a time through the file, `FloatTensor.copyRow`) stay
    /// in the mapping; everything else is read on every pass, where in place it would keep pages resident.
    func tensor(
        _ name: String, _ shape: [Int], encoderKey: Bool = true, aliases: [String] = [], inPlace: Bool = false
    ) -> FloatTensor? {
        requested.append(((encoderKey ? prefix : "") + name, shape))
        let candidates = ([name] + aliases).map { encoderKey ? prefix + $0 : $0 }
        guard let key = candidates.first(where: { store.tensors[$0] != nil }), let info = store.tensors[key] else {
            problems.record("\(encoderKey ? prefix : "")\(name): missing, expected shape \(shape)")
            return nil
        }
        guard info.shape == shape else {
            problems.record("\(key): got shape \(info.shape), expected \(shape)")
            return nil
        }
        do {
            let tensor = try store.floats(key)
            return inPlace ? tensor : tensor.inOrdinaryMemory()
        } catch {
            problems.record("\(key): \(error)")
            return nil
        }
    }

    func linear(_ name: String, _ outputs: Int, _ inputs: Int, encoderKey: Bool = true) -> Linear? {
        let w = tensor("\(name).weight", [outputs, inputs], encoderKey: encoderKey, inPlace: true)
        let b = tensor("\(name).bias", [outputs], encoderKey: encoderKey)
        guard let w, let b else { return nil }
        return Linear(weight: w, bias: b)
    }

    /// Old TensorFlow-converted checkpoints name LayerNorm parameters gamma/beta.
    func layerNorm(_ name: String, _ width: Int) -> LayerNormWeights? {
        let g = tensor("\(name).weight", [width], aliases: ["\(name).gamma"])
        let b = tensor("\(name).bias", [width], aliases: ["\(name).beta"])
        guard let g, let b else { return nil }
        return LayerNormWeights(gamma: g, beta: b)
    }

    /// Layers numbered at or beyond num_hidden_layers mean the config and checkpoint disagree (after
    /// `ModelConfig.check(against:)` only a checkpoint with gaps in its numbering gets here).
    func reportUnexpectedLayers(_ layerCount: Int) {
        let prefix = encoder.layerPrefix
        let extra = store.tensors.keys.filter { key in
            EncoderLayout.layerIndex(of: key, layerPrefix: prefix).map { $0 >= layerCount } ?? false
        }
        for key in extra.sorted() {
            problems.record("\(key): unexpected, config.json has num_hidden_layers = \(layerCount)")
        }
    }
}

/// The weight table's problems: all counted, the first `shownLimit` kept as lines.
public struct TensorMismatches: Sendable, Equatable, CustomStringConvertible {
    public static let shownLimit = 20
    /// The first `shownLimit` problems, one line each.
    public private(set) var lines: [String] = []
    /// Every problem found, shown or not.
    public private(set) var total = 0

    public var isEmpty: Bool { total == 0 }

    /// Counts a problem; `line` is only built while fewer than `shownLimit` are kept.
    mutating func record(_ line: @autoclosure () -> String) {
        total += 1
        if lines.count < Self.shownLimit { lines.append(line()) }
    }

    public var description: String {
        let hidden = total - lines.count
        let more = hidden > 0 ? "\n  … and \(Self.grouped(hidden)) more" : ""
        return "checkpoint does not match config.json (\(Self.grouped(total)) problem\(total == 1 ? "" : "s")):\n  "
            + lines.joined(separator: "\n  ") + more
    }

    /// 1599980 → "1,599,980".
    static func grouped(_ n: Int) -> String {
        let digits = Array(String(n.magnitude))
        let groups = stride(from: digits.count, to: 0, by: -3).reversed().map { end in
            String(digits[max(0, end - 3)..<end])
        }
        return (n < 0 ? "-" : "") + groups.joined(separator: ",")
    }
}
