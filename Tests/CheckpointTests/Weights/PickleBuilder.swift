// Writes pickle opcodes by hand (per CPython's Lib/pickletools.py) and wraps them in torch's archive
// layout, so tests can build both faithful and hostile checkpoints without Python.

enum PickleBuilder {
    static let proto2: [UInt8] = [0x80, 0x02]
    static let mark: [UInt8] = [0x28]
    static let tuple: [UInt8] = [0x74]
    static let emptyTuple: [UInt8] = [0x29]
    static let emptyDict: [UInt8] = [0x7D]
    static let emptyList: [UInt8] = [0x5D]
    static let setItem: [UInt8] = [0x73]
    static let setItems: [UInt8] = [0x75]
    static let append: [UInt8] = [0x61]
    static let reduce: [UInt8] = [0x52]
    static let build: [UInt8] = [0x62]
    static let persistentID: [UInt8] = [0x51]
    static let newFalse: [UInt8] = [0x89]
    static let none: [UInt8] = [0x4E]
    static let stop: [UInt8] = [0x2E]

    static func global(_ module: String, _ name: String) -> [UInt8] {
        [0x63] + Array(module.utf8) + [0x0A] + Array(name.utf8) + [0x0A]
    }

    static func string(_ text: String) -> [UInt8] {
        var bytes: [UInt8] = [0x58]
        bytes.appendLittleEndian(UInt32(text.utf8.count))
        return bytes + Array(text.utf8)
    }

    static func int(_ value: Int32) -> [UInt8] {
        var bytes: [UInt8] = [0x4A]
        bytes.appendLittleEndian(value)
        return bytes
    }

    static func put(_ index: UInt8) -> [UInt8] { [0x71, index] }
    static func get(_ index: UInt8) -> [UInt8] { [0x68, index] }

    static func tuple(_ items: [[UInt8]]) -> [UInt8] {
        mark + items.flatMap { $0 } + tuple
    }

    static func persistentID(storage: String = "FloatStorage", key: String, elements: Int32) -> [UInt8] {
        tuple([string("storage"), global("torch", storage), string(key), string("cpu"), int(elements)]) + persistentID
    }

    /// `_rebuild_tensor_v2(storage, offset, size, stride, False, OrderedDict())`.
    static func tensor(
        storage: String = "FloatStorage", key: String = "0", elements: Int32, offset: Int32 = 0, size: [Int32],
        stride: [Int32]
    ) -> [UInt8] {
        global("torch._utils", "_rebuild_tensor_v2")
            + tuple([
                persistentID(storage: storage, key: key, elements: elements), int(offset), tuple(size.map(int)),
                tuple(stride.map(int)), newFalse, global("collections", "OrderedDict") + emptyTuple + reduce,
            ]) + reduce
    }

    /// `{name: value, ...}` as torch writes a state dict (an OrderedDict filled with SETITEMS).
    static func stateDict(_ entries: [(String, [UInt8])]) -> [UInt8] {
        proto2 + global("collections", "OrderedDict") + emptyTuple + reduce + mark
            + entries.flatMap { string($0.0) + $0.1 } + setItems + stop
    }

    /// A checkpoint archive in torch's layout: `prefix/data.pkl`, `prefix/byteorder`, `prefix/data/<key>`.
    static func checkpoint(
        pickle: [UInt8]?, storages: [(String, [UInt8])], prefix: String = "archive", byteOrder: String? = "little"
    ) -> [UInt8] {
        var zip = ZipBuilder(zip64: true, alignment: 64)
        if let pickle { zip.add("\(prefix)/data.pkl", pickle) }
        if let byteOrder { zip.add("\(prefix)/byteorder", Array(byteOrder.utf8)) }
        for (key, data) in storages { zip.add("\(prefix)/data/\(key)", data) }
        zip.add("\(prefix)/version", Array("3\n".utf8))
        return zip.build().bytes
    }
}
