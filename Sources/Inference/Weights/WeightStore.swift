// Temporary declaration of the weight-store interface; replaced by the readers' own file on merge.
public enum DType: String, Sendable { case f64, f32, f16, bf16, i64, i32, i16, i8, u8, bool }

public struct TensorInfo: Sendable, Equatable {
    public let name: String
    public let dtype: DType
    public let shape: [Int]
    public init(name: String, dtype: DType, shape: [Int]) {
        self.name = name
        self.dtype = dtype
        self.shape = shape
    }
}

public struct FloatTensor: @unchecked Sendable {
    public let shape: [Int]
    public let values: UnsafeBufferPointer<Float>
    let owner: AnyObject
    public init(shape: [Int], values: UnsafeBufferPointer<Float>, owner: AnyObject) {
        self.shape = shape
        self.values = values
        self.owner = owner
    }
}

public protocol WeightStore: AnyObject, Sendable {
    var tensors: [String: TensorInfo] { get }
    func floats(_ name: String) throws -> FloatTensor
}

public enum WeightError: Error { case unknownTensor(String) }
public enum WeightFiles {
    public static func open(directory: URL) throws -> any WeightStore { throw WeightError.unknownTensor("") }
}
import Foundation
