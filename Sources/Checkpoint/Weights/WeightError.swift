// Every way opening or reading a checkpoint can fail, one case per failure. Messages name the file
// (and the tensor or archive entry when there is one) so an operator can act on them without a debugger.
// This file only describes failures; the readers decide when to throw them.

public enum WeightError: Error, CustomStringConvertible, Equatable {
    // MARK: Files and directories
    case noWeightFiles(directory: String, lookedFor: [String])
    case cannotOpen(file: String, reason: String)
    case unknownTensor(name: String, file: String)
    case notFloatTensor(name: String, dtype: DType, file: String)

    // MARK: safetensors
    case headerTooSmall(file: String, fileSize: Int)
    case headerTooLarge(file: String, length: UInt64, limit: Int)
    case headerPastEndOfFile(file: String, length: UInt64, fileSize: Int)
    case malformedHeader(file: String, reason: String)
    case duplicateTensor(name: String, file: String)
    case unknownDType(tensor: String, dtype: String, file: String)
    case shapeOverflow(tensor: String, shape: [Int], file: String)
    case invalidOffsets(tensor: String, begin: Int, end: Int, file: String)
    case overlappingTensor(tensor: String, begin: Int, previousEnd: Int, file: String)
    case gapBeforeTensor(tensor: String, begin: Int, previousEnd: Int, file: String)
    case byteCountMismatch(tensor: String, expected: Int, actual: Int, file: String)
    case tensorOutOfRange(tensor: String, end: Int, dataSize: Int, file: String)
    case trailingData(file: String, covered: Int, dataSize: Int)

    // MARK: Sharded checkpoints
    case malformedIndex(file: String, reason: String)
    case invalidShardName(shard: String, index: String)
    case tensorMissingFromShard(tensor: String, shard: String, index: String)

    // MARK: ZIP archives (PyTorch checkpoints)
    case notZipArchive(file: String)
    case corruptZip(file: String, reason: String)
    case compressedZipEntry(entry: String, method: Int, file: String)
    case encryptedZipEntry(entry: String, file: String)
    case missingArchiveEntry(entry: String, file: String)
    case ambiguousArchive(prefixes: [String], file: String)
    case wrongByteOrder(found: String, file: String)

    // MARK: Pickle (PyTorch checkpoints)
    case pickleTooLarge(size: Int, limit: Int, file: String)
    case truncatedPickle(offset: Int, file: String)
    case unsupportedPickleOpcode(opcode: UInt8, offset: Int, file: String)
    case unsupportedPickleProtocol(version: Int, file: String)
    case forbiddenGlobal(module: String, name: String, file: String)
    case pickleStackUnderflow(opcode: UInt8, offset: Int, file: String)
    case pickleLimitExceeded(what: String, limit: Int, file: String)
    case pickleMemoMissing(index: Int, offset: Int, file: String)
    case pickleTypeMismatch(offset: Int, expected: String, found: String, file: String)
    case pickleIntegerTooLarge(offset: Int, file: String)
    case pickleInvalidUTF8(offset: Int, file: String)
    case badPersistentID(reason: String, file: String)
    case notAStateDict(found: String, file: String)
    case nonStringKey(found: String, file: String)
    case nonTensorEntry(key: String, found: String, file: String)
    case invalidTensorGeometry(tensor: String, reason: String, file: String)
    case storageOutOfRange(tensor: String, storage: String, needed: Int, available: Int, file: String)
    case storageTypeConflict(storage: String, file: String)
    case storageSizeMismatch(storage: String, expectedBytes: Int, actualBytes: Int, file: String)

    public var description: String {
        switch self {
        case .noWeightFiles, .cannotOpen, .unknownTensor, .notFloatTensor:
            fileMessage
        case .headerTooSmall, .headerTooLarge, .headerPastEndOfFile, .malformedHeader, .duplicateTensor,
            .unknownDType, .shapeOverflow, .invalidOffsets, .overlappingTensor, .gapBeforeTensor,
            .byteCountMismatch, .tensorOutOfRange, .trailingData:
            safeTensorsMessage
        case .malformedIndex, .invalidShardName, .tensorMissingFromShard:
            shardMessage
        case .notZipArchive, .corruptZip, .compressedZipEntry, .encryptedZipEntry, .missingArchiveEntry,
            .ambiguousArchive, .wrongByteOrder:
            zipMessage
        default:
            pickleMessage
        }
    }

    private var fileMessage: String {
        switch self {
        case .noWeightFiles(let directory, let lookedFor):
            "no weights in \(directory): looked for \(lookedFor.joined(separator: ", "))"
        case .cannotOpen(let file, let reason):
            "cannot open \(file): \(reason)"
        case .unknownTensor(let name, let file):
            "\(file) has no tensor named '\(name)'"
        case .notFloatTensor(let name, let dtype, let file):
            "tensor '\(name)' in \(file) is \(dtype.rawValue), not a floating-point type"
        default:
            "unexpected weight error"
        }
    }

    private var safeTensorsMessage: String {
        switch self {
        case .headerTooSmall(let file, let fileSize):
            "\(file): \(fileSize) bytes is too short for a safetensors file (the header length alone is 8)"
        case .headerTooLarge(let file, let length, let limit):
            "\(file): safetensors header of \(length) bytes exceeds the \(limit)-byte limit"
        case .headerPastEndOfFile(let file, let length, let fileSize):
            "\(file): safetensors header of \(length) bytes runs past the end of the \(fileSize)-byte file"
        case .malformedHeader(let file, let reason):
            "\(file): malformed safetensors header: \(reason)"
        case .duplicateTensor(let name, let file):
            "\(file): tensor '\(name)' appears more than once"
        case .unknownDType(let tensor, let dtype, let file):
            "\(file): tensor '\(tensor)' has unsupported dtype '\(dtype)'"
        case .shapeOverflow(let tensor, let shape, let file):
            "\(file): tensor '\(tensor)' of shape \(shape) has more bytes than can be addressed"
        case .invalidOffsets(let tensor, let begin, let end, let file):
            "\(file): tensor '\(tensor)' has data_offsets [\(begin), \(end)] that end before they begin"
        case .overlappingTensor(let tensor, let begin, let previousEnd, let file):
            "\(file): tensor '\(tensor)' starts at \(begin), inside the previous tensor (which ends at \(previousEnd))"
        case .gapBeforeTensor(let tensor, let begin, let previousEnd, let file):
            "\(file): tensor '\(tensor)' starts at \(begin), leaving a gap after the previous tensor "
                + "(which ends at \(previousEnd))"
        case .byteCountMismatch(let tensor, let expected, let actual, let file):
            "\(file): tensor '\(tensor)' needs \(expected) bytes for its shape and dtype but its offsets span \(actual)"
        case .tensorOutOfRange(let tensor, let end, let dataSize, let file):
            "\(file): tensor '\(tensor)' ends at \(end), past the \(dataSize)-byte data region"
        case .trailingData(let file, let covered, let dataSize):
            "\(file): tensors cover \(covered) bytes of a \(dataSize)-byte data region"
        default:
            "unexpected safetensors error"
        }
    }

    private var shardMessage: String {
        switch self {
        case .malformedIndex(let file, let reason):
            "\(file): malformed shard index: \(reason)"
        case .invalidShardName(let shard, let index):
            "\(index): shard name '\(shard)' must be a plain file name in the index's directory"
        case .tensorMissingFromShard(let tensor, let shard, let index):
            "\(index) places tensor '\(tensor)' in \(shard), which does not contain it"
        default:
            "unexpected shard error"
        }
    }

    private var zipMessage: String {
        switch self {
        case .notZipArchive(let file):
            "\(file) is not a ZIP archive (PyTorch checkpoints written before torch 1.6 are not supported)"
        case .corruptZip(let file, let reason):
            "\(file): corrupt ZIP archive: \(reason)"
        case .compressedZipEntry(let entry, let method, let file):
            "\(file): archive entry '\(entry)' is compressed (method \(method)); only stored entries are supported"
        case .encryptedZipEntry(let entry, let file):
            "\(file): archive entry '\(entry)' is encrypted"
        case .missingArchiveEntry(let entry, let file):
            "\(file): archive has no entry '\(entry)'"
        case .ambiguousArchive(let prefixes, let file):
            "\(file): archive holds several checkpoints (\(prefixes.joined(separator: ", ")))"
        case .wrongByteOrder(let found, let file):
            "\(file): checkpoint byte order is '\(found)'; only 'little' is supported"
        default:
            "unexpected ZIP error"
        }
    }

    private var pickleMessage: String {
        switch self {
        case .pickleTooLarge(let size, let limit, let file):
            "\(file): pickle of \(size) bytes exceeds the \(limit)-byte limit"
        case .truncatedPickle(let offset, let file):
            "\(file): pickle ends unexpectedly at byte \(offset)"
        case .unsupportedPickleOpcode(let opcode, let offset, let file):
            "\(file): pickle opcode 0x\(String(opcode, radix: 16)) at byte \(offset) is not allowed in a state dict"
        case .unsupportedPickleProtocol(let version, let file):
            "\(file): pickle protocol \(version) is not supported"
        case .forbiddenGlobal(let module, let name, let file):
            "\(file): pickle references \(module).\(name), which is not allowed in a state dict (nothing was executed)"
        case .pickleStackUnderflow(let opcode, let offset, let file):
            "\(file): pickle opcode 0x\(String(opcode, radix: 16)) at byte \(offset) needs more values "
                + "than the stack has"
        case .pickleLimitExceeded(let what, let limit, let file):
            "\(file): pickle exceeds the limit of \(limit) on \(what)"
        case .pickleMemoMissing(let index, let offset, let file):
            "\(file): pickle at byte \(offset) reads memo slot \(index), which was never written"
        case .pickleTypeMismatch(let offset, let expected, let found, let file):
            "\(file): pickle at byte \(offset) expected \(expected) but found \(found)"
        case .pickleIntegerTooLarge(let offset, let file):
            "\(file): pickle integer at byte \(offset) does not fit in 64 bits"
        case .pickleInvalidUTF8(let offset, let file):
            "\(file): pickle string at byte \(offset) is not valid UTF-8"
        default:
            checkpointMessage
        }
    }

    private var checkpointMessage: String {
        switch self {
        case .badPersistentID(let reason, let file):
            "\(file): bad storage reference: \(reason)"
        case .notAStateDict(let found, let file):
            "\(file): checkpoint holds \(found), not a dictionary of tensors"
        case .nonStringKey(let found, let file):
            "\(file): state dict has a \(found) key; keys must be strings"
        case .nonTensorEntry(let key, let found, let file):
            "\(file): state dict entry '\(key)' is \(found), not a tensor"
        case .invalidTensorGeometry(let tensor, let reason, let file):
            "\(file): tensor '\(tensor)': \(reason)"
        case .storageOutOfRange(let tensor, let storage, let needed, let available, let file):
            "\(file): tensor '\(tensor)' needs \(needed) elements of storage '\(storage)', which has \(available)"
        case .storageTypeConflict(let storage, let file):
            "\(file): storage '\(storage)' is referenced with different types or sizes"
        case .storageSizeMismatch(let storage, let expectedBytes, let actualBytes, let file):
            "\(file): storage '\(storage)' should hold \(expectedBytes) bytes but its archive entry has \(actualBytes)"
        default:
            "unexpected checkpoint error"
        }
    }
}
