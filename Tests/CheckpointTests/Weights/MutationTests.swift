// Seeded random damage to valid checkpoints: whatever the bytes, opening and reading either succeeds
// or throws a WeightError; it never traps, hangs or throws anything else.

import TestSupport
import Testing

@testable import Checkpoint

@Suite struct MutationTests {
    private static func mutate(_ bytes: [UInt8], using generator: inout SeededGenerator) -> [UInt8] {
        var copy = bytes
        for _ in 0..<Int.random(in: 1...4, using: &generator) {
            let index = Int.random(in: 0..<copy.count, using: &generator)
            switch Int.random(in: 0..<4, using: &generator) {
            case 0: copy[index] = UInt8.random(in: 0...255, using: &generator)
            case 1: copy[index] ^= 1 << UInt8.random(in: 0..<8, using: &generator)
            case 2: copy[index] = [0x00, 0xFF, 0x7F, 0x80][Int.random(in: 0..<4, using: &generator)]
            default: copy.removeSubrange(index..<min(copy.count, index + Int.random(in: 1...16, using: &generator)))
            }
            if copy.isEmpty { break }
        }
        return copy
    }

    /// Opens and fully reads `bytes`; returns whether it succeeded. Any non-WeightError is recorded.
    private static func exercise(_ bytes: [UInt8], open: (MappedFile) throws -> any WeightStore) -> Bool {
        weightError {
            let store = try open(MappedFile(path: "mutated", contents: bytes))
            _ = try store.readAllFloats()
        } == nil
    }

    @Test func mutatedSafetensorsNeverCrash() throws {
        let original = try WeightFixtures.bytes("small.safetensors")
        var generator = SeededGenerator(seed: 0x5AFE)
        var accepted = 0
        for _ in 0..<400 {
            let mutated = Self.mutate(original, using: &generator)
            if Self.exercise(mutated, open: { try SafeTensorsFile(file: $0) }) { accepted += 1 }
        }
        #expect(accepted < 400)  // the damage is real: most mutations must be caught
    }

    @Test(arguments: ["tensors.bin", "tensors_zipfile.bin", "module_state.bin"])
    func mutatedTorchCheckpointsNeverCrash(fixture: String) throws {
        let original = try WeightFixtures.bytes(fixture)
        var generator = SeededGenerator(seed: 0x70AC)
        var accepted = 0
        for _ in 0..<300 {
            let mutated = Self.mutate(original, using: &generator)
            if Self.exercise(mutated, open: { try TorchCheckpointFile(file: $0) }) { accepted += 1 }
        }
        #expect(accepted < 300)
    }

    @Test func mutatedPicklesNeverCrash() throws {
        let checkpoint = try WeightFixtures.bytes("tensors.bin")
        let archive = try checkpoint.withUnsafeBytes { try ZipArchive(bytes: $0, path: "tensors.bin") }
        let entry = archive.entries["tensors/data.pkl"]!
        let pickle = Array(checkpoint[entry.dataOffset..<(entry.dataOffset + entry.size)])
        var generator = SeededGenerator(seed: 0x91C)
        for _ in 0..<500 {
            let mutated = Self.mutate(pickle, using: &generator)
            let arena = PickleArena()
            _ = weightError { _ = try mutated.withUnsafeBytes { try Unpickler.load($0, file: "m", arena: arena) } }
            arena.release()
        }
    }
}
