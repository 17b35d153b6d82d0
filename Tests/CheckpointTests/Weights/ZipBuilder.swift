// Builds small ZIP archives byte by byte for tests, with switches for the variants real writers produce
// (torch's 64-byte alignment and ZIP64 records) and for the damage the reader must reject.

struct ZipBuilder {
    struct Entry {
        var name: String
        var data: [UInt8]
        var method: UInt16 = 0
        var flags: UInt16 = 0
    }

    var entries: [Entry] = []
    /// Write ZIP64 end records and put every size and offset in ZIP64 extra fields (as torch does for big files).
    var zip64 = false
    /// Pad local headers so each entry's data starts at a multiple of this (torch uses 64).
    var alignment = 1

    mutating func add(_ name: String, _ data: [UInt8], method: UInt16 = 0, flags: UInt16 = 0) {
        entries.append(Entry(name: name, data: data, method: method, flags: flags))
    }

    /// Offsets of interesting structures in the last built archive.
    struct Layout {
        var localHeaders: [Int] = []
        var centralDirectory = 0
        var endRecord = 0
        var zip64EndRecord: Int?
    }

    func build() -> (bytes: [UInt8], layout: Layout) {
        var bytes: [UInt8] = []
        var layout = Layout()
        for entry in entries {
            layout.localHeaders.append(bytes.count)
            appendLocalHeader(entry, to: &bytes)
        }
        layout.centralDirectory = bytes.count
        for (entry, offset) in zip(entries, layout.localHeaders) {
            appendCentralHeader(entry, localHeader: offset, to: &bytes)
        }
        let directorySize = bytes.count - layout.centralDirectory
        if zip64 {
            layout.zip64EndRecord = bytes.count
            appendZip64End(directoryOffset: layout.centralDirectory, directorySize: directorySize, to: &bytes)
        }
        layout.endRecord = bytes.count
        appendEnd(directoryOffset: layout.centralDirectory, directorySize: directorySize, to: &bytes)
        return (bytes, layout)
    }

    private func appendLocalHeader(_ entry: Entry, to bytes: inout [UInt8]) {
        let name = Array(entry.name.utf8)
        var padding = 0
        while (bytes.count + 30 + name.count + padding) % alignment != 0 { padding += 1 }
        if padding > 0 && padding < 4 { padding += alignment }  // an extra record needs at least 4 bytes
        bytes.appendLittleEndian(UInt32(0x0403_4B50))
        bytes.appendLittleEndian(UInt16(20))
        bytes.appendLittleEndian(entry.flags)
        bytes.appendLittleEndian(entry.method)
        bytes.appendLittleEndian(UInt32(0))  // time, date
        bytes.appendLittleEndian(UInt32(0))  // crc (unchecked)
        bytes.appendLittleEndian(UInt32(entry.data.count))
        bytes.appendLittleEndian(UInt32(entry.data.count))
        bytes.appendLittleEndian(UInt16(name.count))
        bytes.appendLittleEndian(UInt16(padding))
        bytes += name
        if padding > 0 {
            bytes.appendLittleEndian(UInt16(0x4246))  // torch's "FB" padding record
            bytes.appendLittleEndian(UInt16(padding - 4))
            bytes += [UInt8](repeating: 0x5A, count: padding - 4)
        }
        bytes += entry.data
    }

    private func appendCentralHeader(_ entry: Entry, localHeader: Int, to bytes: inout [UInt8]) {
        let name = Array(entry.name.utf8)
        var extra: [UInt8] = []
        if zip64 {
            extra.appendLittleEndian(UInt16(1))
            extra.appendLittleEndian(UInt16(24))
            extra.appendLittleEndian(UInt64(entry.data.count))
            extra.appendLittleEndian(UInt64(entry.data.count))
            extra.appendLittleEndian(UInt64(localHeader))
        }
        let size = zip64 ? UInt32.max : UInt32(entry.data.count)
        bytes.appendLittleEndian(UInt32(0x0201_4B50))
        bytes.appendLittleEndian(UInt16(45))
        bytes.appendLittleEndian(UInt16(45))
        bytes.appendLittleEndian(entry.flags)
        bytes.appendLittleEndian(entry.method)
        bytes.appendLittleEndian(UInt32(0))
        bytes.appendLittleEndian(UInt32(0))
        bytes.appendLittleEndian(size)
        bytes.appendLittleEndian(size)
        bytes.appendLittleEndian(UInt16(name.count))
        bytes.appendLittleEndian(UInt16(extra.count))
        bytes.appendLittleEndian(UInt16(0))  // comment
        bytes.appendLittleEndian(UInt16(0))  // disk
        bytes.appendLittleEndian(UInt16(0))
        bytes.appendLittleEndian(UInt32(0))
        bytes.appendLittleEndian(zip64 ? UInt32.max : UInt32(localHeader))
        bytes += name + extra
    }

    private func appendZip64End(directoryOffset: Int, directorySize: Int, to bytes: inout [UInt8]) {
        let record = bytes.count
        bytes.appendLittleEndian(UInt32(0x0606_4B50))
        bytes.appendLittleEndian(UInt64(44))
        bytes.appendLittleEndian(UInt16(45))
        bytes.appendLittleEndian(UInt16(45))
        bytes.appendLittleEndian(UInt32(0))
        bytes.appendLittleEndian(UInt32(0))
        bytes.appendLittleEndian(UInt64(entries.count))
        bytes.appendLittleEndian(UInt64(entries.count))
        bytes.appendLittleEndian(UInt64(directorySize))
        bytes.appendLittleEndian(UInt64(directoryOffset))
        bytes.appendLittleEndian(UInt32(0x0706_4B50))
        bytes.appendLittleEndian(UInt32(0))
        bytes.appendLittleEndian(UInt64(record))
        bytes.appendLittleEndian(UInt32(1))
    }

    private func appendEnd(directoryOffset: Int, directorySize: Int, to bytes: inout [UInt8]) {
        bytes.appendLittleEndian(UInt32(0x0605_4B50))
        bytes.appendLittleEndian(UInt16(0))
        bytes.appendLittleEndian(UInt16(0))
        bytes.appendLittleEndian(zip64 ? UInt16.max : UInt16(entries.count))
        bytes.appendLittleEndian(zip64 ? UInt16.max : UInt16(entries.count))
        bytes.appendLittleEndian(zip64 ? UInt32.max : UInt32(directorySize))
        bytes.appendLittleEndian(zip64 ? UInt32.max : UInt32(directoryOffset))
        bytes.appendLittleEndian(UInt16(0))
    }
}
