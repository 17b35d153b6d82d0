// The public face of the weight readers: element types, the tensor table entry, the f32 view the
// engine reads, and the `WeightStore` protocol every checkpoint format implements.
// Nothing here knows a file format; the readers live in the neighbouring files.

/// Element type of a checkpoint tensor, named as in safetensors (`F32` ↔ `.f32`).
public enum DType: String, Sendable, CaseIterable {
    case f64, f32, f16, bf16, i64, i32, i16, i8, u8, bool

    /// Bytes per element.
    public var size: Int {
        switch self {
        case .f64, .i64: 8
        case .f32, .i32: 4
        case .f16, .bf16, .i16: 2
        case .i8, .u8, .bool: 1
        }
    }

    /// Whether `WeightStore.floats` can convert this type to f32.
    public var isFloatingPoint: Bool {
        switch self {
        case .f64, .f32, .f16, .bf16: true
        case .i64, .i32, .i16, .i8, .u8, .bool: false
        }
    }
}

/// One entry of a checkpoint's tensor table.
public struct TensorInfo: Sendable, Equatable {
    public let name: String
    public let dtype: DType
    public let shape: [Int]

    public init(name: String, dtype: DType, shape: [Int]) {
        self.name = name
        self.dtype = dtype
        self.shape = shape
    }

    /// Number of elements (1 for a scalar). Shapes in a store were overflow-checked when it was opened.
    public var elementCount: Int { shape.reduce(1, *) }
}

/// f32 view of one tensor, row-major. For an f32 tensor in a memory-mapped, 4-byte-aligned file this
/// points into the mapping (no copy); otherwise it owns converted storage. `owner` keeps the backing alive,
/// so `values` is valid only while this value (or a copy of it) is alive: keep the `FloatTensor` itself,
/// not just its pointer. `try store.floats(name).values` alone may dangle; use `withValues` or `toArray()`
/// for a one-off read.
public struct FloatTensor: @unchecked Sendable {
    public let shape: [Int]
    public let values: UnsafeBufferPointer<Float>
    let owner: AnyObject

    init(shape: [Int], values: UnsafeBufferPointer<Float>, owner: AnyObject) {
        self.shape = shape
        self.values = values
        self.owner = owner
    }

    /// Runs `body` with the values, keeping their storage alive for the duration.
    public func withValues<Result>(_ body: (UnsafeBufferPointer<Float>) throws -> Result) rethrows -> Result {
        try withExtendedLifetime(owner) { try body(values) }
    }

    /// Gives a memory-mapped tensor's resident pages back (see `MappedFile.releasePages`); its values
    /// stay readable. No-op for tensors in ordinary memory.
    package func releaseMappedPages() {
        guard let file = owner as? MappedFile else { return }
        file.releasePages(UnsafeRawBufferPointer(values))
    }

    /// Copies row `index` of a 2-D tensor into `out` (`shape[1]` values). A tensor mapped from a file
    /// is read through the file (see `MappedFile.read`), so looking up a few rows of a large table, such
    /// as a vocabulary's embeddings, keeps none of its pages resident.
    public func copyRow(_ index: Int, into out: UnsafeMutablePointer<Float>) {
        precondition(shape.count == 2 && (0..<shape[0]).contains(index), "copyRow: row \(index) of \(shape)")
        let width = shape[1]
        withValues { values in
            let row = values.baseAddress! + index * width
            let size = width * MemoryLayout<Float>.size
            if let file = owner as? MappedFile,
                file.read(UnsafeRawPointer(row), count: size, into: UnsafeMutableRawPointer(out))
            {
                return
            }
            out.update(from: row, count: width)
        }
    }

    /// This tensor in ordinary memory: a copy when it points into a mapped file, else itself. For the
    /// small tensors read on every pass (biases, norms, position tables): read in place, each would keep
    /// its neighbours' pages resident too (the kernel maps page-cache folios whole).
    public func inOrdinaryMemory() -> FloatTensor {
        guard owner is MappedFile else { return self }
        return withValues { values in
            let buffer = FloatBuffer(count: values.count)
            _ = buffer.storage.initialize(from: values)
            return FloatTensor(shape: shape, values: UnsafeBufferPointer(buffer.storage), owner: buffer)
        }
    }

    /// A copy of the values.
    public func toArray() -> [Float] {
        withValues { Array($0) }
    }

    /// A tensor owning a copy of `values`, for tests and fakes. `values.count` must equal the shape's product.
    public init(shape: [Int], copying values: [Float]) {
        precondition(values.count == shape.reduce(1, *), "FloatTensor: \(values.count) values for shape \(shape)")
        let buffer = FloatBuffer(count: values.count)
        _ = buffer.storage.initialize(from: values)
        self.init(shape: shape, values: UnsafeBufferPointer(buffer.storage), owner: buffer)
    }
}

/// A checkpoint opened for reading. Implementations are immutable after opening, so one store can be
/// shared by every thread of the engine.
public protocol WeightStore: AnyObject, Sendable {
    /// Every tensor in the checkpoint, float or not, by name.
    var tensors: [String: TensorInfo] { get }
    /// The tensor as f32 (converted from f16/bf16/f64 when needed). Throws `WeightError.unknownTensor`
    /// for a name not in `tensors` and `WeightError.notFloatTensor` for an integer or boolean tensor.
    func floats(_ name: String) throws -> FloatTensor
    /// Lets the kernel drop every resident page of the store's mapped files (see
    /// `MappedFile.releasePages`): once the engine has copied what it packs and what it reads on every
    /// pass, only what it still reads in place (unpacked linear weights, if any) faults back in.
    func releaseResidentPages()
}

extension WeightStore {
    /// Stores in ordinary memory have nothing to give back.
    public func releaseResidentPages() {}
}

/// Heap storage for converted tensors; freed when the last `FloatTensor` using it goes away.
final class FloatBuffer: @unchecked Sendable {
    // Written once, by the creator, before the buffer is shared; read-only afterwards.
    let storage: UnsafeMutableBufferPointer<Float>

    init(count: Int) {
        storage = .allocate(capacity: count)
    }

    deinit {
        storage.deallocate()
    }
}
