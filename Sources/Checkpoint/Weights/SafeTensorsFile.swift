// A `WeightStore` over one memory-mapped `.safetensors` file. Opening maps the file and validates the
// header (see SafeTensorsHeader.swift); tensor data is not touched until `floats` is called, and aligned
// f32 tensors are handed out as views into the mapping, so opening a 440 MB model takes milliseconds.

final class SafeTensorsFile: WeightStore {
    let path: String
    let tensors: [String: TensorInfo]
    /// The header's free-form `__metadata__` map (e.g. `{"format": "pt"}`).
    let metadata: [String: String]
    private let file: MappedFile
    private let header: SafeTensorsHeader

    convenience init(path: String) throws {
        try self.init(file: MappedFile(path: path))
    }

    func releaseResidentPages() {
        file.releasePages(file.bytes)
    }

    init(file: MappedFile) throws {
        self.file = file
        path = file.path
        header = try SafeTensorsHeader(fileBytes: file.bytes, path: file.path)
        tensors = header.entries.mapValues(\.info)
        metadata = header.metadata
    }

    func floats(_ name: String) throws -> FloatTensor {
        guard let entry = header.entries[name] else { throw WeightError.unknownTensor(name: name, file: path) }
        let info = entry.info
        guard info.dtype.isFloatingPoint else {
            throw WeightError.notFloatTensor(name: name, dtype: info.dtype, file: path)
        }
        let count = info.elementCount
        guard count > 0, let base = file.bytes.baseAddress else {
            return FloatTensor(shape: info.shape, copying: [])
        }
        // The header check guarantees [dataStart + begin, dataStart + end) lies inside the mapping.
        let start = base + header.dataStart + entry.begin
        if info.dtype == .f32, Int(bitPattern: start) % MemoryLayout<Float>.alignment == 0 {
            let floats = start.bindMemory(to: Float.self, capacity: count)
            return FloatTensor(shape: info.shape, values: UnsafeBufferPointer(start: floats, count: count), owner: file)
        }
        let buffer = FloatConversion.contiguous(start, dtype: info.dtype, count: count)
        return FloatTensor(shape: info.shape, values: UnsafeBufferPointer(buffer.storage), owner: buffer)
    }

    /// Whether `floats(name)` returns a view into the mapping rather than a copy (for tests and logging).
    func isZeroCopy(_ name: String) -> Bool {
        guard let entry = header.entries[name], entry.info.dtype == .f32, let base = file.bytes.baseAddress else {
            return false
        }
        return Int(bitPattern: base + header.dataStart + entry.begin) % MemoryLayout<Float>.alignment == 0
    }
}
