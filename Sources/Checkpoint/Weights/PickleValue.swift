// The values the restricted unpickler can build, and the arena that owns its containers.
// There are no Python objects here: only data, the few allowlisted torch callables as tags, and the
// storage and tensor descriptions they produce. Nothing in this file runs anything.
//
// Containers are reference boxes (a pickle's memo and stack share them, as Python does). Every box is
// registered in a `PickleArena`; `PickleArena.release()` empties them all, which breaks reference cycles
// and keeps hostile nesting (a million tuples inside each other) from overflowing the stack on deinit.

/// A global the unpickler may reference. Anything else is `WeightError.forbiddenGlobal`.
enum PickleGlobal: Equatable {
    case orderedDict
    case rebuildTensorV2
    case rebuildParameter
    case rebuildParameterWithState
    case storageType(DType)

    /// The allowlist, keyed by "module.name".
    static func allowed(module: String, name: String) -> PickleGlobal? {
        switch (module, name) {
        case ("collections", "OrderedDict"): return .orderedDict
        case ("torch._utils", "_rebuild_tensor_v2"): return .rebuildTensorV2
        case ("torch._utils", "_rebuild_parameter"): return .rebuildParameter
        case ("torch._utils", "_rebuild_parameter_with_state"): return .rebuildParameterWithState
        case ("torch", _): return storageTypes[name].map { .storageType($0) }
        default: return nil
        }
    }

    private static let storageTypes: [String: DType] = [
        "DoubleStorage": .f64, "FloatStorage": .f32, "HalfStorage": .f16, "BFloat16Storage": .bf16,
        "LongStorage": .i64, "IntStorage": .i32, "ShortStorage": .i16, "CharStorage": .i8,
        "ByteStorage": .u8, "BoolStorage": .bool,
    ]

    var qualifiedName: String {
        switch self {
        case .orderedDict: "collections.OrderedDict"
        case .rebuildTensorV2: "torch._utils._rebuild_tensor_v2"
        case .rebuildParameter: "torch._utils._rebuild_parameter"
        case .rebuildParameterWithState: "torch._utils._rebuild_parameter_with_state"
        case .storageType(let dtype): "torch storage class for \(dtype.rawValue)"
        }
    }
}

/// A storage record referenced by a persistent id: `('storage', torch.FloatStorage, key, location, numel)`.
struct TorchStorageReference: Equatable {
    let key: String
    let dtype: DType
    let elementCount: Int
}

/// What `_rebuild_tensor_v2` describes: a strided view into a storage.
struct TorchTensorDescription: Equatable {
    let storage: TorchStorageReference
    let layout: StridedLayout
}

final class PickleSequence {
    var items: [PickleValue]
    init(_ items: [PickleValue]) { self.items = items }
}

final class PickleDictionary {
    var entries: [(key: PickleValue, value: PickleValue)] = []
}

enum PickleValue {
    case none
    case bool(Bool)
    case int(Int)
    case float(Double)
    case string(String)
    case tuple(PickleSequence)
    case list(PickleSequence)
    case dict(PickleDictionary)
    case global(PickleGlobal)
    case storage(TorchStorageReference)
    case tensor(TorchTensorDescription)

    /// A short, non-recursive description for error messages.
    var kind: String {
        switch self {
        case .none: "None"
        case .bool: "a bool"
        case .int: "an int"
        case .float: "a float"
        case .string: "a string"
        case .tuple(let tuple): "a tuple of \(tuple.items.count)"
        case .list: "a list"
        case .dict: "a dict"
        case .global(let global): global.qualifiedName
        case .storage: "a storage"
        case .tensor: "a tensor"
        }
    }
}

/// Owns every container a pickle builds so they can be torn down iteratively.
final class PickleArena {
    private var sequences: [PickleSequence] = []
    private var dictionaries: [PickleDictionary] = []

    var containerCount: Int { sequences.count + dictionaries.count }

    func sequence(_ items: [PickleValue]) -> PickleSequence {
        let sequence = PickleSequence(items)
        sequences.append(sequence)
        return sequence
    }

    func dictionary() -> PickleDictionary {
        let dictionary = PickleDictionary()
        dictionaries.append(dictionary)
        return dictionary
    }

    /// Empties every container. Call once the values are no longer needed; children are still owned by
    /// this arena while their parents are emptied, so no deinit recurses.
    func release() {
        for sequence in sequences { sequence.items = [] }
        for dictionary in dictionaries { dictionary.entries = [] }
        sequences = []
        dictionaries = []
    }

    deinit {
        release()
    }
}
