import Testing

@testable import Checkpoint

@Suite struct ZipArchiveTests {
    static let path = "mem.zip"

    private func read(_ bytes: [UInt8]) throws -> ZipArchive {
        try bytes.withUnsafeBytes { try ZipArchive(bytes: $0, path: Self.path) }
    }

    private func readError(_ bytes: [UInt8]) -> WeightError? {
        weightError { _ = try read(bytes) }
    }

    private func contents(of entry: ZipArchive.Entry, in bytes: [UInt8]) -> [UInt8] {
        Array(bytes[entry.dataOffset..<(entry.dataOffset + entry.size)])
    }

    private func sample(zip64: Bool = false, alignment: Int = 1) -> ZipBuilder {
        var builder = ZipBuilder(zip64: zip64, alignment: alignment)
        builder.add("archive/data.pkl", Array("pickle".utf8))
        builder.add("archive/data/0", [1, 2, 3, 4, 5, 6, 7, 8])
        builder.add("archive/empty", [])
        return builder
    }

    @Test(arguments: [(false, 1), (true, 1), (true, 64), (false, 64)])
    func locatesStoredEntries(zip64: Bool, alignment: Int) throws {
        let (bytes, _) = sample(zip64: zip64, alignment: alignment).build()
        let archive = try read(bytes)
        #expect(archive.names == ["archive/data.pkl", "archive/data/0", "archive/empty"])
        #expect(contents(of: archive.entries["archive/data.pkl"]!, in: bytes) == Array("pickle".utf8))
        #expect(contents(of: archive.entries["archive/data/0"]!, in: bytes) == [1, 2, 3, 4, 5, 6, 7, 8])
        #expect(archive.entries["archive/empty"]?.size == 0)
        if alignment == 64 { #expect(archive.entries["archive/data/0"]!.dataOffset % 64 == 0) }
    }

    @Test func readsTheArchivesTorchWrites() throws {
        let bytes = try WeightFixtures.bytes("tensors.bin")
        let archive = try read(bytes)
        #expect(archive.names.contains("tensors/data.pkl"))
        #expect(archive.entries["tensors/byteorder"].map { contents(of: $0, in: bytes) } == Array("little".utf8))
        #expect(archive.entries.values.filter { $0.name.contains("/data/") }.allSatisfy { $0.dataOffset % 64 == 0 })
    }

    @Test func toleratesAnArchiveComment() throws {
        var (bytes, layout) = sample().build()
        bytes.writeLittleEndian(UInt16(5), at: layout.endRecord + 20)
        bytes += Array("hello".utf8)
        #expect(try read(bytes).names.count == 3)
    }

    @Test func rejectsFilesWithoutAnEndRecord() {
        #expect(readError([]) == .notZipArchive(file: Self.path))
        #expect(readError(Array("this is a pickle, not a zip file".utf8)) == .notZipArchive(file: Self.path))
        var (bytes, _) = sample().build()
        bytes.removeLast()
        #expect(readError(bytes) == .notZipArchive(file: Self.path))
    }

    @Test func rejectsCompressedAndEncryptedEntries() {
        var compressed = ZipBuilder()
        compressed.add("a/data.pkl", [1, 2, 3], method: 8)
        #expect(
            readError(compressed.build().bytes) == .compressedZipEntry(entry: "a/data.pkl", method: 8, file: Self.path))
        var encrypted = ZipBuilder()
        encrypted.add("a/data.pkl", [1, 2, 3], flags: 1)
        #expect(readError(encrypted.build().bytes) == .encryptedZipEntry(entry: "a/data.pkl", file: Self.path))
    }

    @Test func rejectsACompressedArchiveWrittenByPython() throws {
        let error = readError(try WeightFixtures.bytes("compressed.bin"))
        guard case .compressedZipEntry(_, 8, _)? = error else {
            Issue.record("expected compressedZipEntry, got \(String(describing: error))")
            return
        }
    }

    @Test func rejectsACentralDirectoryOutsideTheFile() {
        var (bytes, layout) = sample().build()
        bytes.writeLittleEndian(UInt32(bytes.count), at: layout.endRecord + 16)
        guard case .corruptZip? = readError(bytes) else {
            Issue.record("expected corruptZip")
            return
        }
    }

    @Test func rejectsAnEntryCountTheDirectoryCannotHold() {
        var (bytes, layout) = sample().build()
        bytes.writeLittleEndian(UInt16(60_000), at: layout.endRecord + 10)
        guard case .corruptZip(_, let reason)? = readError(bytes) else {
            Issue.record("expected corruptZip")
            return
        }
        #expect(reason.contains("60000 entries"))
    }

    @Test func rejectsABadCentralHeaderSignature() {
        var (bytes, layout) = sample().build()
        bytes[layout.centralDirectory] = 0
        guard case .corruptZip(_, let reason)? = readError(bytes) else {
            Issue.record("expected corruptZip")
            return
        }
        #expect(reason.contains("central directory header"))
    }

    @Test func rejectsLocalHeaderOffsetsThatPointNowhere() {
        var (bytes, layout) = sample().build()
        bytes.writeLittleEndian(UInt32(7), at: layout.centralDirectory + 42)
        guard case .corruptZip(_, let reason)? = readError(bytes) else {
            Issue.record("expected corruptZip")
            return
        }
        #expect(reason.contains("no local header"))
    }

    @Test func rejectsEntrySizesThatRunIntoTheDirectory() {
        var (bytes, layout) = sample().build()
        bytes.writeLittleEndian(UInt32(10_000), at: layout.centralDirectory + 20)
        bytes.writeLittleEndian(UInt32(10_000), at: layout.centralDirectory + 24)
        guard case .corruptZip(_, let reason)? = readError(bytes) else {
            Issue.record("expected corruptZip")
            return
        }
        #expect(reason.contains("central directory"))
    }

    @Test func rejectsAZip64RecordThatIsMissingOrOutOfRange() {
        var (bytes, layout) = sample(zip64: true).build()
        bytes[layout.zip64EndRecord!] = 0
        guard case .corruptZip(_, let reason)? = readError(bytes) else {
            Issue.record("expected corruptZip")
            return
        }
        #expect(reason.contains("ZIP64 end record"))
        var (huge, hugeLayout) = sample(zip64: true).build()
        huge.writeLittleEndian(UInt64.max, at: hugeLayout.zip64EndRecord! + 48)
        guard case .corruptZip? = readError(huge) else {
            Issue.record("expected corruptZip for a 2^64 directory offset")
            return
        }
    }

    @Test func rejectsATruncatedZip64ExtraField() {
        var (bytes, layout) = sample(zip64: true).build()
        // Shrink the first entry's ZIP64 extra record from 24 to 8 bytes: offset and size no longer fit.
        let extraStart = layout.centralDirectory + 46 + "archive/data.pkl".utf8.count
        bytes.writeLittleEndian(UInt16(8), at: extraStart + 2)
        guard case .corruptZip? = readError(bytes) else {
            Issue.record("expected corruptZip")
            return
        }
    }

    @Test func rejectsDuplicateEntryNames() {
        var builder = ZipBuilder()
        builder.add("a/data.pkl", [1])
        builder.add("a/data.pkl", [2])
        #expect(
            readError(builder.build().bytes) == .corruptZip(file: Self.path, reason: "entry 'a/data.pkl' appears twice")
        )
    }

    @Test func everyTruncationIsATypedError() throws {
        let bytes = try WeightFixtures.bytes("tensors.bin")
        for length in 0..<bytes.count {
            #expect(readError(Array(bytes.prefix(length))) != nil, "prefix of \(length) bytes was accepted")
        }
    }
}
