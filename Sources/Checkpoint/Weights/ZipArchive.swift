// The table of contents of a ZIP archive whose entries are stored uncompressed, as `torch.save` writes
// them. Pure: it reads a byte buffer (the mapped file) and returns where each entry's bytes are; it never
// copies or decompresses. Layout per PKWARE APPNOTE.TXT: end of central directory (§4.3.16), ZIP64 end
// record and locator (§4.3.14, §4.3.15), central directory headers (§4.3.12), local headers (§4.3.7),
// ZIP64 extra field (§4.5.3). Every offset read from the file is checked against the buffer before use.
// CRCs are not verified: that would read every byte of a multi-GB checkpoint at start-up.

struct ZipArchive {
    struct Entry: Equatable {
        let name: String
        /// Offset of the entry's first data byte in the archive.
        let dataOffset: Int
        let size: Int
    }

    let entries: [String: Entry]
    /// Entry names in central-directory order.
    let names: [String]

    private enum Signature {
        static let localHeader: UInt32 = 0x0403_4B50
        static let centralHeader: UInt32 = 0x0201_4B50
        static let endOfCentralDirectory: UInt32 = 0x0605_4B50
        static let zip64End: UInt32 = 0x0606_4B50
        static let zip64Locator: UInt32 = 0x0706_4B50
    }

    private struct Directory {
        var offset: Int
        var size: Int
        var entryCount: Int
        /// Where the central directory must end: the start of the (ZIP64) end record.
        var limit: Int
    }

    init(bytes: UnsafeRawBufferPointer, path: String) throws {
        let reader = ByteReader(bytes: bytes)
        let directory = try Self.locateDirectory(reader, path: path)
        var entries: [String: Entry] = [:]
        var names: [String] = []
        var position = directory.offset
        for _ in 0..<directory.entryCount {
            let entry = try Self.readCentralHeader(reader, at: &position, directory: directory, path: path)
            guard entries[entry.name] == nil else {
                throw WeightError.corruptZip(file: path, reason: "entry '\(entry.name)' appears twice")
            }
            entries[entry.name] = entry
            names.append(entry.name)
        }
        self.entries = entries
        self.names = names
    }

    // MARK: End of central directory

    private static func locateDirectory(_ reader: ByteReader, path: String) throws -> Directory {
        let end = try findEndRecord(reader, path: path)
        func field16(_ offset: Int) -> Int { Int(reader.u16(at: end + offset) ?? 0) }
        func field32(_ offset: Int) -> Int { Int(reader.u32(at: end + offset) ?? 0) }
        let disk = field16(4)
        let directoryDisk = field16(6)
        var directory = Directory(offset: field32(16), size: field32(12), entryCount: field16(10), limit: end)
        if let locator = end >= 20 ? end - 20 : nil, reader.u32(at: locator) == Signature.zip64Locator {
            directory = try readZip64End(reader, locator: locator, path: path)
        } else if disk != 0 || directoryDisk != 0 {
            throw WeightError.corruptZip(file: path, reason: "multi-disk archives are not supported")
        }
        guard directory.offset <= directory.limit, directory.size <= directory.limit - directory.offset else {
            throw WeightError.corruptZip(file: path, reason: "central directory lies outside the archive")
        }
        // Each central header takes at least 46 bytes; this also bounds the loop over a forged count.
        guard directory.entryCount <= directory.size / 46 else {
            throw WeightError.corruptZip(
                file: path, reason: "\(directory.entryCount) entries cannot fit in a \(directory.size)-byte directory")
        }
        return directory
    }

    /// The end record is the last 22 bytes plus a comment of up to 65535 bytes.
    private static func findEndRecord(_ reader: ByteReader, path: String) throws -> Int {
        guard reader.count >= 22 else { throw WeightError.notZipArchive(file: path) }
        let lowest = max(0, reader.count - 22 - 0xFFFF)
        var candidate = reader.count - 22
        while candidate >= lowest {
            if reader.u32(at: candidate) == Signature.endOfCentralDirectory,
                let commentLength = reader.u16(at: candidate + 20),
                candidate + 22 + Int(commentLength) == reader.count
            {
                return candidate
            }
            candidate -= 1
        }
        throw WeightError.notZipArchive(file: path)
    }

    private static func readZip64End(_ reader: ByteReader, locator: Int, path: String) throws -> Directory {
        guard let recordOffset64 = reader.u64(at: locator + 8), let diskCount = reader.u32(at: locator + 16) else {
            throw WeightError.corruptZip(file: path, reason: "truncated ZIP64 locator")
        }
        guard diskCount <= 1 else {
            throw WeightError.corruptZip(file: path, reason: "multi-disk archives are not supported")
        }
        guard recordOffset64 <= UInt64(locator), let record = Int(exactly: recordOffset64),
            locator - record >= 56, reader.u32(at: record) == Signature.zip64End
        else {
            throw WeightError.corruptZip(file: path, reason: "ZIP64 end record missing at offset \(recordOffset64)")
        }
        guard reader.u32(at: record + 16) == 0, reader.u32(at: record + 20) == 0 else {
            throw WeightError.corruptZip(file: path, reason: "multi-disk archives are not supported")
        }
        guard let count = reader.u64(at: record + 32), let size = reader.u64(at: record + 40),
            let offset = reader.u64(at: record + 48), let entryCount = Int(exactly: count),
            let directorySize = Int(exactly: size), let directoryOffset = Int(exactly: offset)
        else {
            throw WeightError.corruptZip(file: path, reason: "ZIP64 end record values out of range")
        }
        return Directory(offset: directoryOffset, size: directorySize, entryCount: entryCount, limit: record)
    }

    // MARK: Central directory entries

    private static func readCentralHeader(
        _ reader: ByteReader, at position: inout Int, directory: Directory, path: String
    ) throws -> Entry {
        let directoryEnd = directory.offset + directory.size
        guard reader.contains(offset: position, length: 46), position + 46 <= directoryEnd,
            reader.u32(at: position) == Signature.centralHeader
        else {
            throw WeightError.corruptZip(file: path, reason: "bad central directory header at offset \(position)")
        }
        func field16(_ offset: Int) -> UInt16 { reader.u16(at: position + offset) ?? 0 }
        func field32(_ offset: Int) -> UInt32 { reader.u32(at: position + offset) ?? 0 }
        let nameLength = Int(field16(28))
        let extraLength = Int(field16(30))
        let commentLength = Int(field16(32))
        let variableEnd = position + 46 + nameLength + extraLength + commentLength
        guard variableEnd <= directoryEnd, let nameBytes = reader.slice(offset: position + 46, length: nameLength),
            let extra = reader.slice(offset: position + 46 + nameLength, length: extraLength)
        else {
            throw WeightError.corruptZip(
                file: path, reason: "central directory header at \(position) overruns the directory")
        }
        guard let name = String(validating: nameBytes, as: UTF8.self) else {
            throw WeightError.corruptZip(file: path, reason: "entry name at offset \(position) is not UTF-8")
        }
        var sizes = Zip64Fields(
            uncompressed: UInt64(field32(24)), compressed: UInt64(field32(20)),
            localHeader: UInt64(field32(42)), disk: UInt32(field16(34)))
        try sizes.applyExtra(extra, entry: name, path: path)
        let flags = field16(8)
        let method = Int(field16(10))
        position = variableEnd
        if flags & 1 != 0 { throw WeightError.encryptedZipEntry(entry: name, file: path) }
        if method != 0 { throw WeightError.compressedZipEntry(entry: name, method: method, file: path) }
        return try locateData(reader, name: name, nameBytes: nameBytes, sizes: sizes, directory: directory, path: path)
    }

    /// Finds the entry's bytes via its local header; they must end before the central directory starts.
    private static func locateData(
        _ reader: ByteReader, name: String, nameBytes: UnsafeRawBufferPointer, sizes: Zip64Fields,
        directory: Directory, path: String
    ) throws -> Entry {
        func corrupt(_ reason: String) -> WeightError { .corruptZip(file: path, reason: "entry '\(name)': \(reason)") }
        guard sizes.disk == 0 else { throw corrupt("lives on another disk") }
        guard sizes.compressed == sizes.uncompressed else { throw corrupt("stored sizes disagree") }
        guard let header = Int(exactly: sizes.localHeader), let size = Int(exactly: sizes.uncompressed),
            header <= directory.offset, reader.u32(at: header) == Signature.localHeader,
            let localNameLength = reader.u16(at: header + 26), let localExtraLength = reader.u16(at: header + 28)
        else { throw corrupt("no local header at offset \(sizes.localHeader)") }
        let dataOffset = header + 30 + Int(localNameLength) + Int(localExtraLength)
        guard let localName = reader.slice(offset: header + 30, length: Int(localNameLength)),
            localName.elementsEqual(nameBytes)
        else { throw corrupt("local header names a different entry") }
        guard dataOffset <= directory.offset, size <= directory.offset - dataOffset else {
            throw corrupt("data runs past the start of the central directory")
        }
        return Entry(name: name, dataOffset: dataOffset, size: size)
    }
}

/// The four central-header fields that a ZIP64 extra field may widen (APPNOTE §4.5.3): each is present
/// in the extra field, in this order, only when the 32-bit (or 16-bit) field holds its all-ones value.
private struct Zip64Fields {
    var uncompressed: UInt64
    var compressed: UInt64
    var localHeader: UInt64
    var disk: UInt32

    mutating func applyExtra(_ extra: UnsafeRawBufferPointer, entry: String, path: String) throws {
        let reader = ByteReader(bytes: extra)
        var position = 0
        while position + 4 <= extra.count {
            guard let id = reader.u16(at: position), let length = reader.u16(at: position + 2),
                let body = reader.slice(offset: position + 4, length: Int(length))
            else {
                throw WeightError.corruptZip(file: path, reason: "entry '\(entry)': extra field overruns its header")
            }
            if id == 0x0001 { try applyZip64(ByteReader(bytes: body), entry: entry, path: path) }
            position += 4 + Int(length)
        }
    }

    private mutating func applyZip64(_ body: ByteReader, entry: String, path: String) throws {
        var cursor = 0
        func next64() throws -> UInt64 {
            guard let value = body.u64(at: cursor) else {
                throw WeightError.corruptZip(file: path, reason: "entry '\(entry)': ZIP64 extra field too short")
            }
            cursor += 8
            return value
        }
        if uncompressed == 0xFFFF_FFFF { uncompressed = try next64() }
        if compressed == 0xFFFF_FFFF { compressed = try next64() }
        if localHeader == 0xFFFF_FFFF { localHeader = try next64() }
        if disk == 0xFFFF {
            guard let value = body.u32(at: cursor) else {
                throw WeightError.corruptZip(file: path, reason: "entry '\(entry)': ZIP64 extra field too short")
            }
            disk = value
        }
    }
}
