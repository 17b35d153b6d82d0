// SHA-256 against the NIST FIPS 180-4 example vectors, in any chunking, and against Python's
// hashlib on the fixture weights.
import Foundation
import TestSupport
import Testing

@testable import Hub

@Suite struct SHA256Tests {
    @Test(arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        (
            "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
        ),
        (
            "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
            "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"
        ),
    ])
    func nistVectors(message: String, digest: String) {
        #expect(SHA256.hexDigest(of: Data(message.utf8)) == digest)
    }

    @Test func oneMillionTimesA() {
        var hasher = SHA256()
        let block = Data(repeating: UInt8(ascii: "a"), count: 1000)
        for _ in 0..<1000 { hasher.update(data: block) }
        #expect(hasher.hexDigest() == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test func chunkingDoesNotChangeTheDigest() {
        var generator = SeededGenerator(seed: 7)
        let data = Data((0..<10_000).map { _ in UInt8.random(in: 0...255, using: &generator) })
        let whole = SHA256.hexDigest(of: data)
        for chunk in [1, 3, 55, 56, 63, 64, 65, 127, 4096] {
            var hasher = SHA256()
            var offset = 0
            while offset < data.count {
                hasher.update(data: data.subdata(in: offset..<min(offset + chunk, data.count)))
                offset += chunk
            }
            #expect(hasher.hexDigest() == whole, "chunks of \(chunk)")
        }
        // Lengths around the padding boundary, where the length field spills into a new block.
        for length in 54...66 {
            var split = SHA256()
            split.update(data: data.prefix(length / 2))
            split.update(data: data.subdata(in: (length / 2)..<length))
            #expect(split.hexDigest() == SHA256.hexDigest(of: data.prefix(length)))
        }
    }

    @Test func fixtureWeightsMatchPythonHashlib() throws {
        let python = try PythonRunner.locate()
        for file in [
            fixtureModel.appendingPathComponent("model.safetensors"),
            fixtureBinModel.appendingPathComponent("pytorch_model.bin"),
        ] {
            let result = try python.run(
                [
                    "-c", "import hashlib,sys; print(hashlib.sha256(open(sys.argv[1],'rb').read()).hexdigest())",
                    file.path,
                ])
            #expect(result.status == 0, "\(result.stderr)")
            #expect(
                try SHA256.hexDigest(ofFileAt: file) == result.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        }
    }
}
