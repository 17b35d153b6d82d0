// A restricted unpickler for the `data.pkl` of a PyTorch state dict. It implements only the opcodes
// `torch.save(state_dict)` emits (protocol 2, plus the protocol 4 framing and memo opcodes) and resolves
// globals against the small allowlist in PickleValue.swift; anything else is a typed error. Nothing is
// imported, called or executed: REDUCE on an allowlisted global builds a description (TorchPickle.swift).
// Opcode semantics follow CPython's Lib/pickletools.py. Resource use is bounded by `PickleLimits`.
// The file is longer than our usual ~300 lines because it is one opcode table plus the stack, mark and
// memo discipline every opcode shares; split up, those rules would be harder to check side by side.

/// Bounds on what a pickle may make the unpickler allocate. Defaults are far above what real state dicts
/// need (bert-base: a pickle of tens of KB, stack depth < 20, about 2 000 memo entries).
struct PickleLimits {
    var maxBytes = 100_000_000
    var maxStackDepth = 100_000
    var maxMarkDepth = 1_000
    var maxMemoEntries = 1_000_000
    var maxContainers = 1_000_000
    /// Values stored in tuples, lists and dicts, all together.
    var maxContainerItems = 10_000_000
}

struct Unpickler {
    private let bytes: UnsafeRawBufferPointer
    private let file: String
    private let limits: PickleLimits
    private let arena: PickleArena
    private var position = 0
    /// Offset of the opcode being executed, for error messages.
    private var opcodeOffset = 0
    private var opcode: UInt8 = 0
    private var stack: [PickleValue] = []
    /// Stack heights at each open MARK; values below the top mark are out of reach, as in CPython.
    private var marks: [Int] = []
    private var memo: [Int: PickleValue] = [:]
    private var containerItems = 0

    /// Parses `bytes` and returns the pickled root value. Containers are owned by `arena`.
    static func load(
        _ bytes: UnsafeRawBufferPointer, file: String, arena: PickleArena, limits: PickleLimits = PickleLimits()
    ) throws -> PickleValue {
        guard bytes.count <= limits.maxBytes else {
            throw WeightError.pickleTooLarge(size: bytes.count, limit: limits.maxBytes, file: file)
        }
        var unpickler = Unpickler(bytes: bytes, file: file, limits: limits, arena: arena)
        return try unpickler.run()
    }

    private init(bytes: UnsafeRawBufferPointer, file: String, limits: PickleLimits, arena: PickleArena) {
        self.bytes = bytes
        self.file = file
        self.limits = limits
        self.arena = arena
    }

    private mutating func run() throws -> PickleValue {
        while true {
            opcodeOffset = position
            opcode = try readByte()
            if opcode == UInt8(ascii: ".") { return try stop() }
            try execute()
        }
    }

    private mutating func stop() throws -> PickleValue {
        guard marks.isEmpty, stack.count == 1, let root = stack.last else {
            throw mismatch(
                expected: "one value on the stack at STOP", found: "\(stack.count) values, \(marks.count) marks")
        }
        return root
    }

    private mutating func execute() throws {
        switch opcode {
        case 0x80: try protocolHeader()
        case 0x95: _ = try read(count: 8)  // FRAME: a length prefix we do not need.
        case UInt8(ascii: "}"): try push(.dict(try newDictionary()))
        case UInt8(ascii: "]"): try push(.list(try newSequence([])))
        case UInt8(ascii: ")"): try push(.tuple(try newSequence([])))
        case UInt8(ascii: "("): try mark()
        case UInt8(ascii: "X"): try push(.string(try string(length: Int(try readInteger(UInt32.self)))))
        case 0x8C: try push(.string(try string(length: Int(try readByte()))))
        case 0x8D: try push(.string(try string(length: try length64())))
        case UInt8(ascii: "J"): try push(.int(Int(Int32(bitPattern: try readInteger(UInt32.self)))))
        case UInt8(ascii: "K"): try push(.int(Int(try readByte())))
        case UInt8(ascii: "M"): try push(.int(Int(try readInteger(UInt16.self))))
        case 0x8A: try push(.int(try longInteger(length: Int(try readByte()))))
        case 0x8B: try push(.int(try longInteger(length: Int(Int32(bitPattern: try readInteger(UInt32.self))))))
        case UInt8(ascii: "G"): try push(.float(Double(bitPattern: UInt64(bigEndian: try readRawInteger(UInt64.self)))))
        case 0x88: try push(.bool(true))
        case 0x89: try push(.bool(false))
        case UInt8(ascii: "N"): try push(.none)
        default: try executeStructural()
        }
    }

    private mutating func executeStructural() throws {
        switch opcode {
        case UInt8(ascii: "t"): try push(.tuple(try newSequence(try popToMark())))
        case 0x85, 0x86, 0x87: try push(.tuple(try newSequence(try pop(Int(opcode) - 0x84))))
        case UInt8(ascii: "s"): try setItems(try pop(2))
        case UInt8(ascii: "u"): try setItems(try popToMark())
        case UInt8(ascii: "a"): try append(try pop(1))
        case UInt8(ascii: "e"): try append(try popToMark())
        case UInt8(ascii: "q"): try memoize(at: Int(try readByte()))
        case UInt8(ascii: "r"): try memoize(at: Int(try readInteger(UInt32.self)))
        case 0x94: try memoize(at: memo.count)
        case UInt8(ascii: "h"): try push(try memoized(Int(try readByte())))
        case UInt8(ascii: "j"): try push(try memoized(Int(try readInteger(UInt32.self))))
        case UInt8(ascii: "c"): try push(.global(try resolveGlobal(module: try line(), name: try line())))
        case 0x93: try stackGlobal()
        case UInt8(ascii: "R"): try reduce()
        case UInt8(ascii: "b"): try build()
        case UInt8(ascii: "Q"): try push(try TorchPickle.persistentLoad(try pop(1)[0], file: file))
        default:
            throw WeightError.unsupportedPickleOpcode(opcode: opcode, offset: opcodeOffset, file: file)
        }
    }

    // MARK: Reading the byte stream

    private mutating func readByte() throws -> UInt8 {
        guard position < bytes.count else { throw WeightError.truncatedPickle(offset: position, file: file) }
        defer { position += 1 }
        return bytes[position]
    }

    private mutating func read(count: Int) throws -> UnsafeRawBufferPointer {
        guard count >= 0, count <= bytes.count - position else {
            throw WeightError.truncatedPickle(offset: position, file: file)
        }
        defer { position += count }
        return UnsafeRawBufferPointer(rebasing: bytes[position..<(position + count)])
    }

    private mutating func readRawInteger<T: FixedWidthInteger>(_ type: T.Type) throws -> T {
        try read(count: MemoryLayout<T>.size).loadUnaligned(as: T.self)
    }

    private mutating func readInteger<T: FixedWidthInteger>(_ type: T.Type) throws -> T {
        T(littleEndian: try readRawInteger(type))
    }

    private mutating func length64() throws -> Int {
        guard let length = Int(exactly: try readInteger(UInt64.self)) else {
            throw WeightError.truncatedPickle(offset: position, file: file)
        }
        return length
    }

    /// A UTF-8 string of `length` bytes; the length can never exceed the bytes that remain.
    private mutating func string(length: Int) throws -> String {
        let start = position
        guard let text = String(validating: try read(count: length), as: UTF8.self) else {
            throw WeightError.pickleInvalidUTF8(offset: start, file: file)
        }
        return text
    }

    /// A newline-terminated line (GLOBAL's module and name), without the newline.
    private mutating func line() throws -> String {
        let start = position
        guard let newline = bytes[start...].firstIndex(of: 0x0A) else {
            throw WeightError.truncatedPickle(offset: bytes.count, file: file)
        }
        position = newline + 1
        guard let text = String(validating: UnsafeRawBufferPointer(rebasing: bytes[start..<newline]), as: UTF8.self)
        else { throw WeightError.pickleInvalidUTF8(offset: start, file: file) }
        return text
    }

    /// LONG1/LONG4: a little-endian two's-complement integer of `length` bytes; we accept up to 64 bits.
    private mutating func longInteger(length: Int) throws -> Int {
        guard length >= 0 else { throw mismatch(expected: "a non-negative byte count", found: "\(length)") }
        let digits = try read(count: length)
        guard length <= 8 else { throw WeightError.pickleIntegerTooLarge(offset: opcodeOffset, file: file) }
        guard length > 0 else { return 0 }
        var value: UInt64 = 0
        for (index, byte) in digits.enumerated() { value |= UInt64(byte) << (8 * UInt64(index)) }
        if length < 8, digits[length - 1] & 0x80 != 0 { value |= ~0 << (8 * UInt64(length)) }
        return Int(Int64(bitPattern: value))
    }

    // MARK: Stack, marks and memo

    private mutating func push(_ value: PickleValue) throws {
        guard stack.count < limits.maxStackDepth else { throw limit("stack depth", limits.maxStackDepth) }
        stack.append(value)
    }

    /// Pops `count` values (in push order) from above the top mark.
    private mutating func pop(_ count: Int) throws -> [PickleValue] {
        guard stack.count - (marks.last ?? 0) >= count else {
            throw WeightError.pickleStackUnderflow(opcode: opcode, offset: opcodeOffset, file: file)
        }
        defer { stack.removeLast(count) }
        return Array(stack.suffix(count))
    }

    private mutating func mark() throws {
        guard marks.count < limits.maxMarkDepth else { throw limit("nested marks", limits.maxMarkDepth) }
        marks.append(stack.count)
    }

    private mutating func popToMark() throws -> [PickleValue] {
        guard let start = marks.popLast() else {
            throw WeightError.pickleStackUnderflow(opcode: opcode, offset: opcodeOffset, file: file)
        }
        defer { stack.removeSubrange(start...) }
        return Array(stack[start...])
    }

    /// The value on top of the stack, which must be above the top mark.
    private func top() throws -> PickleValue {
        guard stack.count > (marks.last ?? 0), let value = stack.last else {
            throw WeightError.pickleStackUnderflow(opcode: opcode, offset: opcodeOffset, file: file)
        }
        return value
    }

    private mutating func memoize(at index: Int) throws {
        let value = try top()
        guard memo[index] != nil || memo.count < limits.maxMemoEntries else {
            throw limit("memo entries", limits.maxMemoEntries)
        }
        memo[index] = value
    }

    private func memoized(_ index: Int) throws -> PickleValue {
        guard let value = memo[index] else {
            throw WeightError.pickleMemoMissing(index: index, offset: opcodeOffset, file: file)
        }
        return value
    }

    // MARK: Containers

    private mutating func newSequence(_ items: [PickleValue]) throws -> PickleSequence {
        try countContainer(items: items.count)
        return arena.sequence(items)
    }

    private mutating func newDictionary() throws -> PickleDictionary {
        try countContainer(items: 0)
        return arena.dictionary()
    }

    private mutating func countContainer(items: Int) throws {
        guard arena.containerCount < limits.maxContainers else { throw limit("containers", limits.maxContainers) }
        try countItems(items)
    }

    private mutating func countItems(_ count: Int) throws {
        containerItems += count
        guard containerItems <= limits.maxContainerItems else {
            throw limit("container items", limits.maxContainerItems)
        }
    }

    private mutating func setItems(_ flat: [PickleValue]) throws {
        guard flat.count % 2 == 0 else { throw mismatch(expected: "key/value pairs", found: "\(flat.count) values") }
        guard case .dict(let dictionary) = try top() else { throw mismatch(expected: "a dict", found: try top().kind) }
        try countItems(flat.count)
        for pair in stride(from: 0, to: flat.count, by: 2) {
            dictionary.entries.append((flat[pair], flat[pair + 1]))
        }
    }

    private mutating func append(_ items: [PickleValue]) throws {
        guard case .list(let list) = try top() else { throw mismatch(expected: "a list", found: try top().kind) }
        try countItems(items.count)
        list.items.append(contentsOf: items)
    }

    // MARK: Globals and calls

    private mutating func protocolHeader() throws {
        let version = Int(try readByte())
        guard version <= 5 else { throw WeightError.unsupportedPickleProtocol(version: version, file: file) }
    }

    private func resolveGlobal(module: String, name: String) throws -> PickleGlobal {
        guard let global = PickleGlobal.allowed(module: module, name: name) else {
            throw WeightError.forbiddenGlobal(module: module, name: name, file: file)
        }
        return global
    }

    private mutating func stackGlobal() throws {
        let operands = try pop(2)
        guard case .string(let module) = operands[0], case .string(let name) = operands[1] else {
            throw mismatch(expected: "two strings for STACK_GLOBAL", found: "\(operands[0].kind), \(operands[1].kind)")
        }
        try push(.global(try resolveGlobal(module: module, name: name)))
    }

    private mutating func reduce() throws {
        let operands = try pop(2)
        guard case .global(let callable) = operands[0] else {
            throw mismatch(expected: "an allowlisted callable for REDUCE", found: operands[0].kind)
        }
        guard case .tuple(let arguments) = operands[1] else {
            throw mismatch(expected: "an argument tuple for REDUCE", found: operands[1].kind)
        }
        let context = TorchPickle.Context(file: file, offset: opcodeOffset)
        let result = try TorchPickle.call(callable, arguments: arguments.items, context: context) {
            try newDictionary()
        }
        try push(result)
    }

    /// BUILD sets instance state; the only instance a state dict builds is an OrderedDict, whose state
    /// (the `_metadata` attribute of `Module.state_dict()`) we do not need.
    private mutating func build() throws {
        let state = try pop(1)[0]
        guard case .dict = try top() else { throw mismatch(expected: "a dict to BUILD", found: try top().kind) }
        guard case .dict = state else { throw mismatch(expected: "a dict of attributes for BUILD", found: state.kind) }
    }

    private func mismatch(expected: String, found: String) -> WeightError {
        .pickleTypeMismatch(offset: opcodeOffset, expected: expected, found: found, file: file)
    }

    private func limit(_ what: String, _ value: Int) -> WeightError {
        .pickleLimitExceeded(what: what, limit: value, file: file)
    }
}
