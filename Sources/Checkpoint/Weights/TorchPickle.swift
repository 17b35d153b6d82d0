// What the allowlisted torch globals mean, as data. `torch.load` would call these functions; we only
// check their arguments and record what they would have built. References: torch/serialization.py
// (`persistent_load` in `_load`: `typename, storage_type, key, location, numel = saved_id`) and
// torch/_utils.py (`_rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad,
// backward_hooks, metadata=None)`, `_rebuild_parameter(data, requires_grad, backward_hooks)`).
// Tensor geometry is validated later, when the tensor's name is known (TorchCheckpointFile.swift).

enum TorchPickle {
    struct Context {
        let file: String
        let offset: Int

        func mismatch(_ expected: String, _ found: String) -> WeightError {
            .pickleTypeMismatch(offset: offset, expected: expected, found: found, file: file)
        }
    }

    /// REDUCE: applies an allowlisted callable. `newDictionary` makes an arena-owned dict.
    static func call(
        _ callable: PickleGlobal, arguments: [PickleValue], context: Context,
        newDictionary: () throws -> PickleDictionary
    ) throws -> PickleValue {
        switch callable {
        case .orderedDict:
            guard arguments.isEmpty else {
                throw context.mismatch("OrderedDict() without arguments", "\(arguments.count) arguments")
            }
            return .dict(try newDictionary())
        case .rebuildTensorV2:
            return .tensor(try rebuildTensor(arguments, context: context))
        case .rebuildParameter, .rebuildParameterWithState:
            let expectedCount = callable == .rebuildParameter ? 3 : 4
            guard arguments.count == expectedCount, case .tensor(let tensor) = arguments[0] else {
                throw context.mismatch(
                    "\(callable.qualifiedName)(tensor, ...) with \(expectedCount) arguments",
                    "\(arguments.count) arguments starting with \(arguments.first?.kind ?? "nothing")")
            }
            return .tensor(tensor)
        case .storageType:
            throw context.mismatch("a callable", callable.qualifiedName)
        }
    }

    private static func rebuildTensor(_ arguments: [PickleValue], context: Context) throws -> TorchTensorDescription {
        guard arguments.count == 6 || arguments.count == 7 else {
            throw context.mismatch("6 or 7 arguments to _rebuild_tensor_v2", "\(arguments.count)")
        }
        guard case .storage(let storage) = arguments[0] else {
            throw context.mismatch("a storage as the tensor's first argument", arguments[0].kind)
        }
        guard case .int(let offset) = arguments[1] else {
            throw context.mismatch("an integer storage offset", arguments[1].kind)
        }
        let shape = try integers(arguments[2], what: "size", context: context)
        let strides = try integers(arguments[3], what: "stride", context: context)
        guard case .bool = arguments[4] else {
            throw context.mismatch("a bool requires_grad", arguments[4].kind)
        }
        // arguments[5] (backward hooks, an empty OrderedDict) and [6] (metadata) carry nothing we use.
        return TorchTensorDescription(
            storage: storage, layout: StridedLayout(shape: shape, strides: strides, offset: offset))
    }

    private static func integers(_ value: PickleValue, what: String, context: Context) throws -> [Int] {
        guard case .tuple(let tuple) = value else { throw context.mismatch("a \(what) tuple", value.kind) }
        return try tuple.items.map { item in
            guard case .int(let number) = item else { throw context.mismatch("integers in the \(what)", item.kind) }
            return number
        }
    }

    /// BINPERSID: `('storage', torch.<Type>Storage, key, location, numel)` → a storage reference.
    static func persistentLoad(_ id: PickleValue, file: String) throws -> PickleValue {
        func bad(_ reason: String) -> WeightError { .badPersistentID(reason: reason, file: file) }
        guard case .tuple(let tuple) = id else { throw bad("expected a tuple, found \(id.kind)") }
        let fields = tuple.items
        guard fields.count == 5 else { throw bad("expected 5 fields, found \(fields.count)") }
        guard case .string("storage") = fields[0] else { throw bad("the first field must be 'storage'") }
        guard case .global(.storageType(let dtype)) = fields[1] else {
            throw bad("expected a torch storage class, found \(fields[1].kind)")
        }
        guard case .string(let key) = fields[2], MappedFile.isPlainFileName(key) else {
            throw bad("the storage key must be a plain name, found \(fields[2].kind)")
        }
        guard case .string = fields[3] else { throw bad("the location must be a string, found \(fields[3].kind)") }
        guard case .int(let count) = fields[4], count >= 0, !count.multipliedReportingOverflow(by: dtype.size).overflow
        else {
            throw bad("storage '\(key)' has an invalid element count (\(fields[4].kind))")
        }
        return .storage(TorchStorageReference(key: key, dtype: dtype, elementCount: count))
    }
}
