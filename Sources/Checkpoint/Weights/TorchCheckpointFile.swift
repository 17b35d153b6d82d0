// A `WeightStore` over a memory-mapped `pytorch_model.bin` in the ZIP layout `torch.save` has written
// since torch 1.6: `<prefix>/data.pkl` (the state dict, pickled), `<prefix>/data/<key>` (one raw
// little-endian blob per storage), `<prefix>/byteorder` (optional, "little"), `<prefix>/version`.
// Opening reads the archive directory and the pickle, then checks every tensor against its storage;
// tensor bytes are only read by `floats`. Contiguous, aligned f32 tensors are views into the mapping
// (torch aligns storage records to 64 bytes); others are converted or gathered into owned buffers.

final class TorchCheckpointFile: WeightStore {
    private struct Record {
        let dtype: DType
        let layout: StridedLayout
        /// File offset of the first byte of the tensor's storage blob.
        let storageStart: Int
    }

    let path: String
    let tensors: [String: TensorInfo]
    private let file: MappedFile
    private let records: [String: Record]

    convenience init(path: String) throws {
        try self.init(file: MappedFile(path: path))
    }

    func releaseResidentPages() {
        file.releasePages(file.bytes)
    }

    init(file: MappedFile) throws {
        self.file = file
        path = file.path
        let archive = try ZipArchive(bytes: file.bytes, path: path)
        let prefix = try Self.checkpointPrefix(in: archive, path: path)
        try Self.checkByteOrder(archive, prefix: prefix, bytes: file.bytes, path: path)
        let described = try Self.readStateDict(archive, prefix: prefix, bytes: file.bytes, path: path)
        var records: [String: Record] = [:]
        var storages: [String: TorchStorageReference] = [:]
        for (name, tensor) in described {
            let storage = tensor.storage
            if let known = storages[storage.key], known != storage {
                throw WeightError.storageTypeConflict(storage: storage.key, file: path)
            }
            storages[storage.key] = storage
            try Self.validate(tensor, name: name, path: path)
            let entry = try Self.storageEntry(storage, archive: archive, prefix: prefix, path: path)
            records[name] = Record(dtype: storage.dtype, layout: tensor.layout, storageStart: entry.dataOffset)
        }
        self.records = records
        tensors = Dictionary(
            uniqueKeysWithValues: records.map { name, record in
                (name, TensorInfo(name: name, dtype: record.dtype, shape: record.layout.shape))
            })
    }

    func floats(_ name: String) throws -> FloatTensor {
        guard let record = records[name] else { throw WeightError.unknownTensor(name: name, file: path) }
        guard record.dtype.isFloatingPoint else {
            throw WeightError.notFloatTensor(name: name, dtype: record.dtype, file: path)
        }
        let layout = record.layout
        let count = layout.elementCount
        guard count > 0, let base = file.bytes.baseAddress else { return FloatTensor(shape: layout.shape, copying: []) }
        // Validated at open: every element the layout reaches lies inside the storage blob.
        let storage = base + record.storageStart
        let buffer: FloatBuffer
        if layout.isContiguous {
            let start = storage + layout.offset * record.dtype.size
            if record.dtype == .f32, Int(bitPattern: start) % MemoryLayout<Float>.alignment == 0 {
                let floats = start.bindMemory(to: Float.self, capacity: count)
                return FloatTensor(
                    shape: layout.shape, values: UnsafeBufferPointer(start: floats, count: count), owner: file)
            }
            buffer = FloatConversion.contiguous(start, dtype: record.dtype, count: count)
        } else {
            buffer = FloatConversion.gather(storage, dtype: record.dtype, layout: layout)
        }
        return FloatTensor(shape: layout.shape, values: UnsafeBufferPointer(buffer.storage), owner: buffer)
    }

    // MARK: Opening

    /// torch writes every record under one top-level folder (the file's stem, or "archive").
    private static func checkpointPrefix(in archive: ZipArchive, path: String) throws -> String {
        let prefixes = archive.names.compactMap { name -> String? in
            guard name.hasSuffix("/data.pkl") else { return nil }
            let prefix = String(name.dropLast("/data.pkl".count))
            return prefix.contains("/") ? nil : prefix
        }
        guard let prefix = prefixes.first else { throw WeightError.missingArchiveEntry(entry: "data.pkl", file: path) }
        guard prefixes.count == 1 else { throw WeightError.ambiguousArchive(prefixes: prefixes.sorted(), file: path) }
        return prefix
    }

    private static func checkByteOrder(
        _ archive: ZipArchive, prefix: String, bytes: UnsafeRawBufferPointer, path: String
    ) throws {
        guard let entry = archive.entries["\(prefix)/byteorder"] else { return }
        let contents = ByteReader(bytes: bytes).slice(offset: entry.dataOffset, length: min(entry.size, 64))
        let text = contents.map { String(decoding: $0, as: UTF8.self) } ?? ""
        guard text.trimmingWhitespace() == "little" else { throw WeightError.wrongByteOrder(found: text, file: path) }
    }

    private static func readStateDict(
        _ archive: ZipArchive, prefix: String, bytes: UnsafeRawBufferPointer, path: String
    ) throws -> [(String, TorchTensorDescription)] {
        guard let entry = archive.entries["\(prefix)/data.pkl"],
            let pickle = ByteReader(bytes: bytes).slice(offset: entry.dataOffset, length: entry.size)
        else { throw WeightError.missingArchiveEntry(entry: "\(prefix)/data.pkl", file: path) }
        let arena = PickleArena()
        defer { arena.release() }
        let root = try Unpickler.load(pickle, file: path, arena: arena)
        guard case .dict(let dictionary) = root else { throw WeightError.notAStateDict(found: root.kind, file: path) }
        var seen = Set<String>()
        return try dictionary.entries.map { key, value in
            guard case .string(let name) = key else { throw WeightError.nonStringKey(found: key.kind, file: path) }
            guard case .tensor(let tensor) = value else {
                throw WeightError.nonTensorEntry(key: name, found: value.kind, file: path)
            }
            guard seen.insert(name).inserted else { throw WeightError.duplicateTensor(name: name, file: path) }
            return (name, tensor)
        }
    }

    private static func validate(_ tensor: TorchTensorDescription, name: String, path: String) throws {
        func invalid(_ reason: String) -> WeightError {
            .invalidTensorGeometry(tensor: name, reason: reason, file: path)
        }
        let layout = tensor.layout
        guard layout.shape.count == layout.strides.count else {
            throw invalid("size has \(layout.shape.count) dimensions but stride has \(layout.strides.count)")
        }
        guard layout.shape.allSatisfy({ $0 >= 0 }), layout.strides.allSatisfy({ $0 >= 0 }), layout.offset >= 0 else {
            throw invalid("negative size, stride or offset (size \(layout.shape), stride \(layout.strides))")
        }
        guard StridedLayout.elementCount(of: layout.shape) != nil, let extent = layout.extent else {
            throw invalid("size \(layout.shape) with stride \(layout.strides) overflows")
        }
        // An expanded view (stride 0 over a size > 1) can name more elements than its storage holds;
        // checkpoints do not contain those, and refusing them bounds what `floats` may allocate.
        guard layout.elementCount <= tensor.storage.elementCount else {
            throw invalid("size \(layout.shape) has more elements than its storage (\(tensor.storage.elementCount))")
        }
        guard extent <= tensor.storage.elementCount else {
            throw WeightError.storageOutOfRange(
                tensor: name, storage: tensor.storage.key, needed: extent, available: tensor.storage.elementCount,
                file: path)
        }
    }

    private static func storageEntry(
        _ storage: TorchStorageReference, archive: ZipArchive, prefix: String, path: String
    ) throws -> ZipArchive.Entry {
        let entryName = "\(prefix)/data/\(storage.key)"
        guard let entry = archive.entries[entryName] else {
            throw WeightError.missingArchiveEntry(entry: entryName, file: path)
        }
        // persistentLoad checked that this product does not overflow.
        let expected = storage.elementCount * storage.dtype.size
        guard entry.size == expected else {
            throw WeightError.storageSizeMismatch(
                storage: storage.key, expectedBytes: expected, actualBytes: entry.size, file: path)
        }
        return entry
    }
}

extension String {
    fileprivate func trimmingWhitespace() -> String {
        var scalars = Substring(self)
        while let first = scalars.first, first.isWhitespace { scalars.removeFirst() }
        while let last = scalars.last, last.isWhitespace { scalars.removeLast() }
        return String(scalars)
    }
}
