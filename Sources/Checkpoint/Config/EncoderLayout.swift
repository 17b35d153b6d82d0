// What a BERT checkpoint's tensor names say about its encoder: whether keys carry the `bert.` prefix
// and which `encoder.layer.<i>` indices exist. Read from names only, in one pass over the table, so
// its cost follows the checkpoint, never config.json.

public struct EncoderLayout: Sendable, Equatable {
    /// "bert." when the checkpoint is a full model, "" for a bare BertModel (sentence-transformers files).
    public let prefix: String
    /// The distinct layer indices present, ascending.
    public let layerIndices: [Int]

    /// Where the layers sit below the prefix: `encoder.layer.`, DistilBERT's `transformer.layer.`.
    public let layerPath: String

    /// `family` names the key prefix (`roberta.`, `deberta.`, …) and the layer path.
    public init(tensorNames: some Collection<String>, family: ModelFamily = .bert) {
        let prefixed = tensorNames.contains { $0.hasPrefix(family.weightPrefix + "embeddings.") }
        prefix = prefixed ? family.weightPrefix : ""
        layerPath = family.layerPath
        let layerPrefix = prefix + layerPath
        layerIndices = Set(tensorNames.compactMap { Self.layerIndex(of: $0, layerPrefix: layerPrefix) }).sorted()
    }

    /// `bert.encoder.layer.` (or without `bert.`; another family's prefix and path).
    public var layerPrefix: String { prefix + layerPath }

    /// Whether the layers are numbered 0, 1, … with no gaps.
    public var isContiguous: Bool { layerIndices.last.map { $0 == layerIndices.count - 1 } ?? true }

    /// The layer index in `name` (`<layerPrefix><i>.…`), or nil when `name` is not a layer tensor.
    /// Only plain decimal indices count: "+1", "01" or "-1" are not transformers layer names.
    public static func layerIndex(of name: String, layerPrefix: String) -> Int? {
        guard name.hasPrefix(layerPrefix) else { return nil }
        let digits = name.utf8.dropFirst(layerPrefix.utf8.count).prefix { $0 != UInt8(ascii: ".") }
        guard !digits.isEmpty, digits.count <= 9, digits.allSatisfy({ (0x30...0x39).contains($0) }),
            digits.count == 1 || digits.first != UInt8(ascii: "0")
        else { return nil }
        return digits.reduce(0) { $0 * 10 + Int($1 - 0x30) }
    }

    /// "has 2 layers (bert.encoder.layer.0 … 1)", or the indices that break the numbering; a few words whatever
    /// the checkpoint holds.
    public var summary: String {
        guard let first = layerIndices.first, let last = layerIndices.last else {
            return "has no encoder layers (no tensor named \(layerPrefix)<i>.*)"
        }
        let count = layerIndices.count == 1 ? "1 layer" : "\(layerIndices.count) layers"
        if isContiguous {
            return "has \(count) (\(layerPrefix)\(first)\(first == last ? "" : " … \(last)"))"
        }
        let shown =
            layerIndices.count <= 4
            ? layerIndices.map(String.init) : layerIndices.prefix(3).map(String.init) + ["…", String(last)]
        return
            "has \(count) (\(layerPrefix)\(shown.joined(separator: ", ")); not numbered 0 … \(layerIndices.count - 1))"
    }
}
