// The packed-weight kernels: against a Double reference, row by row identical whatever the batch,
// identical across instruction sets, and the engine's scores on them against the OpenBLAS path.
import CKernels
import Checkpoint
import Foundation
import TestSupport
import Testing

@testable import Inference

/// The kernels this CPU runs (AVX-512 implies AVX2 + FMA on every x86-64 that has it).
private let availableISAs: [rk_isa] = {
    switch rk_best_isa() {
    case RK_ISA_AVX512: [RK_ISA_AVX512, RK_ISA_AVX2]
    case RK_ISA_AVX2: [RK_ISA_AVX2]
    default: []
    }
}()

private func randomMatrix(_ count: Int, seed: UInt64) -> [Float] {
    var rng = SplitMix64(seed: seed)
    return (0..<count).map { _ in rng.nextNormal() }
}

/// c = a · wᵀ through rk_pack + rk_gemm over all panels.
private func packedProduct(_ isa: rk_isa, _ a: [Float], m: Int, _ w: [Float], n: Int, k: Int) -> [Float] {
    let tensor = FloatTensor(shape: [n, k], copying: w)
    var packed = [Float](repeating: .nan, count: n * k)
    tensor.withValues { rk_pack($0.baseAddress!, n, k, &packed) }
    var c = [Float](repeating: .nan, count: m * n)
    rk_gemm(isa, m, k, a, k, packed, 0, n / Int(RK_PANEL), &c, n)
    return c
}

@Test func theCPUHasAKernelWhereTheEngineIsMeasured() {
    // Not a requirement of the product (it falls back to OpenBLAS), but CI's x86-64 machines have
    // AVX2 at least, and then the kernel tests below must not silently test nothing.
    #if arch(x86_64)
        #expect(!availableISAs.isEmpty)
    #endif
}

@Test(arguments: [1, 2, 5, 11, 12, 13, 24, 25, 239, 240, 241, 500])
func packedProductsMatchADoubleReference(rows m: Int) throws {
    for isa in availableISAs {
        for (n, k) in [(32, 1), (64, 3), (96, 77), (32, 300)] {
            let a = randomMatrix(m * k, seed: UInt64(m * 1000 + k))
            let w = randomMatrix(n * k, seed: UInt64(n * 7 + k))
            let c = packedProduct(isa, a, m: m, w, n: n, k: k)
            for i in 0..<m {
                for j in 0..<n {
                    var exact = 0.0
                    var magnitude = 0.0
                    for kk in 0..<k {
                        let term = Double(a[i * k + kk]) * Double(w[j * k + kk])
                        exact += term
                        magnitude += abs(term)
                    }
                    // fp32 accumulation over k terms: error ≤ k·ε·Σ|terms| in the worst case.
                    let bound = Double(k) * 1.2e-7 * magnitude + 1e-30
                    #expect(
                        abs(Double(c[i * n + j]) - exact) <= bound,
                        "isa \(isa.rawValue) m \(m) n \(n) k \(k) (\(i), \(j))")
                }
            }
        }
    }
}

@Test func eachRowIsTheSameAloneInAnyBatchAndOnEveryInstructionSet() {
    let (n, k) = (64, 200)
    let w = randomMatrix(n * k, seed: 5)
    for m in [1, 7, 12, 13, 30] {
        let a = randomMatrix(m * k, seed: UInt64(m))
        let together = availableISAs.map { packedProduct($0, a, m: m, w, n: n, k: k) }
        for (index, isa) in availableISAs.enumerated() {
            #expect(together[index] == together[0], "isa \(isa.rawValue) differs from \(availableISAs[0].rawValue)")
            for i in 0..<m {
                let alone = packedProduct(isa, Array(a[(i * k)..<((i + 1) * k)]), m: 1, w, n: n, k: k)
                #expect(Array(together[index][(i * n)..<((i + 1) * n)]) == alone, "isa \(isa.rawValue) m \(m) row \(i)")
            }
        }
    }
}

@Test func onlyWholePanelsArePacked() {
    let fits = FloatTensor(shape: [64, 8], copying: [Float](repeating: 1, count: 64 * 8))
    let ragged = FloatTensor(shape: [48, 8], copying: [Float](repeating: 1, count: 48 * 8))
    #expect((PackedWeight(fits) != nil) == !availableISAs.isEmpty)
    #expect(PackedWeight(ragged) == nil)
}

/// The engine on packed weights scores like the engine on OpenBLAS alone, and stays batch-invariant
/// bit for bit (every product row is one fixed chain of fused multiply-adds).
@Test(arguments: [HeadLayout.sequenceClassification, .bertReward])
func packedEngineMatchesTheBLASEngine(layout: HeadLayout) throws {
    let config = ModelConfig(
        layout: layout, vocabSize: 50, hiddenSize: 64, layerCount: 2, headCount: 4, intermediateSize: 128,
        maxPositions: 96, rewardHiddenSize: 32)
    let store = InMemoryWeights.random(config: config, seed: 11, std: 0.2)
    let packed = try RewardEngine(config: config, weights: store, threads: 2, packWeights: true)
    let blas = try RewardEngine(config: config, weights: store, threads: 2, packWeights: false)
    var rng = SplitMix64(seed: 3)
    let inputs = [1, 2, 9, 40, 96, 13, 64].map { length in
        TokenSequence(ids: (0..<length).map { _ in Int32(rng.next() % 50) })
    }
    // The packed engine really runs on packed weights (and so needs no row padding); the other does not.
    let encoder = BertEncoder(
        weights: try BertWeights.load(from: store, config: config), config: config, threads: 2, packWeights: true)
    let allPacked = encoder.layers.allSatisfy { layer in
        [
            layer.attention.weights.query, layer.attention.weights.key, layer.attention.weights.value,
            layer.attention.weights.attentionOutput, layer.feedForward.weights.intermediate,
            layer.feedForward.weights.output,
        ].allSatisfy { $0.packed != nil }
    }
    #expect(allPacked == !availableISAs.isEmpty)
    #expect(packed.lastLayerRows(sequences: 1) == (availableISAs.isEmpty ? 8 : 1))
    #expect(blas.lastLayerRows(sequences: 1) == 8)
    let together = try packed.scores(inputs)
    let reference = try blas.scores(inputs)
    for i in inputs.indices {
        #expect(abs(together[i] - reference[i]) <= 1e-5 * max(1, abs(reference[i])), "sequence \(i)")
        if !availableISAs.isEmpty {
            #expect(try packed.scores([inputs[i]])[0] == together[i], "sequence \(i) alone vs in the batch")
        }
    }
}

/// After packing, a mapped checkpoint's pages are handed back; the tensor must still read the same.
@Test func releasedMappedPagesStillReadTheFile() throws {
    let store = try WeightFiles.open(directory: Fixtures.model("tiny-v2-cased-st"))
    let name = try #require(store.tensors.keys.first { $0.hasSuffix("intermediate.dense.weight") })
    let tensor = try store.floats(name)
    let before = tensor.toArray()
    tensor.releaseMappedPages()
    #expect(tensor.toArray() == before)
    #expect(before.contains { $0 != 0 })
}

/// How many of the pages under `values` are mapped in this process now (/proc/self/pagemap's present bit).
private func residentPages(_ values: UnsafeBufferPointer<Float>) throws -> Int {
    let page = Int(sysconf(Int32(_SC_PAGESIZE)))
    let start = Int(bitPattern: values.baseAddress!)
    let (first, last) = (start / page, (start + values.count * MemoryLayout<Float>.size - 1) / page)
    let pagemap = try FileHandle(forReadingFrom: URL(fileURLWithPath: "/proc/self/pagemap"))
    defer { try? pagemap.close() }
    try pagemap.seek(toOffset: UInt64(first * 8))
    let entries = Array(try pagemap.read(upToCount: (last - first + 1) * 8) ?? Data())
    return stride(from: 0, to: entries.count, by: 8).filter { entries[$0 + 7] & 0x80 != 0 }.count
}

/// The engine gives every resident page of its checkpoint back once loaded (safetensors and
/// pytorch_model.bin): the largest tensor's pages leave the process, and every tensor still reads the same.
@Test(arguments: ["tiny-v2-cased-st", "tiny-v1-cased-bin"])
func aStoreThatReleasedItsPagesStillReadsEveryTensor(fixture: String) throws {
    let store = try WeightFiles.open(directory: Fixtures.model(fixture))
    let names = store.tensors.keys.filter { store.tensors[$0]!.dtype.isFloatingPoint }.sorted()
    let before = try names.map { try store.floats($0).toArray() }
    let largestIndex = try #require(before.indices.max { before[$0].count < before[$1].count })
    let largest = try store.floats(names[largestIndex])
    #expect(try residentPages(largest.values) > 0, "read just now")
    store.releaseResidentPages()
    #expect(try residentPages(largest.values) == 0)
    for (name, values) in zip(names, before) {
        #expect(try store.floats(name).toArray() == values, "\(name)")
    }
    #expect(names.count > 10)
}

/// Scoring reads the vocabulary table a row at a time through the file and nothing else of the
/// checkpoint in place (see `TensorBinder.tensor`), so none of the table's pages become resident:
/// the kernel may map a whole page-cache folio around any in-place read, table included.
@Test(arguments: ["tiny-v2-cased-st", "tiny-v1-cased-bin"])
func scoringLeavesNoPageOfTheVocabularyTableResident(fixture: String) throws {
    let directory = Fixtures.model(fixture)
    let store = try WeightFiles.open(directory: directory)
    let engine = try RewardEngine(config: try ModelConfig.load(directory: directory), weights: store, threads: 1)
    let name = try #require(store.tensors.keys.first { $0.hasSuffix("word_embeddings.weight") })
    let table = try store.floats(name)
    let vocabulary = table.shape[0]
    let ids = (0..<200).map { Int32(($0 * 7919) % vocabulary) }
    let scores = try engine.scores([TokenSequence(ids: ids), TokenSequence(ids: Array(ids.prefix(9)))])
    #expect(scores.allSatisfy { $0.isFinite })
    #expect(try residentPages(table.values) == 0)
    // The check can see pages: a read in place makes some resident.
    #expect(table.values[Int(ids[1]) * table.shape[1]].isFinite)
    #expect(try residentPages(table.values) > 0)
}

/// A row read through the file is the row in the mapping; a copy in ordinary memory reads the same.
@Test func aMappedTensorsRowsAndCopyReadLikeTheMapping() throws {
    let store = try WeightFiles.open(directory: Fixtures.model("tiny-v2-cased-st"))
    let name = try #require(store.tensors.keys.first { $0.hasSuffix("word_embeddings.weight") })
    let table = try store.floats(name)
    let (rows, width) = (table.shape[0], table.shape[1])
    var row = [Float](repeating: .nan, count: width)
    for index in [0, 1, rows / 2, rows - 1] {
        row.withUnsafeMutableBufferPointer { table.copyRow(index, into: $0.baseAddress!) }
        #expect(row == Array(table.values[index * width..<(index + 1) * width]), "row \(index)")
    }
    let copy = table.inOrdinaryMemory()
    #expect(copy.shape == table.shape && copy.toArray() == table.toArray())
    #expect(copy.values.baseAddress != table.values.baseAddress)
}
