import Testing

@testable import Inference

private func engine(_ config: ModelConfig = tinyConfig) throws -> RewardEngine {
    try RewardEngine(config: config, weights: InMemoryWeights(checkpointArrays(config, seed: 9)))
}

private func sequence(_ length: Int, seed: UInt64) -> TokenSequence {
    var rng = SplitMix64(seed: seed)
    return TokenSequence(ids: (0..<length).map { _ in Int32(rng.next() % 50) })
}

@Test(arguments: [HeadLayout.sequenceClassification, .bertReward])
func scoresDoNotDependOnTheRestOfTheBatch(layout: HeadLayout) throws {
    var config = tinyConfig
    config.layout = layout
    let model = try engine(config)
    let lengths = [1, 7, 64, 3, 33, 2, 17, 64, 5]
    let inputs = lengths.enumerated().map { sequence($1, seed: UInt64($0)) }
    let alone = try inputs.map { try model.scores([$0])[0] }
    let together = try model.scores(inputs)
    let reversed = try model.scores(inputs.reversed())
    #expect(Set(alone).count == alone.count, "distinct inputs should give distinct scores")
    for i in inputs.indices {
        #expect(abs(alone[i] - together[i]) <= 1e-5)
        #expect(abs(alone[i] - reversed[inputs.count - 1 - i]) <= 1e-5)
    }
}

@Test func typeIdsChangeTheScore() throws {
    let model = try engine()
    let ids = sequence(10, seed: 3).ids
    let zeros = try model.scores([TokenSequence(ids: ids)])[0]
    let segments = try model.scores([TokenSequence(ids: ids, typeIds: [0, 0, 0, 0, 0, 1, 1, 1, 1, 1])])[0]
    #expect(abs(zeros - segments) > 1e-4)
}

@Test func invalidSequencesAreTypedErrors() throws {
    let model = try engine()
    #expect(throws: EngineError.emptySequence(index: 1)) {
        try model.scores([sequence(3, seed: 1), TokenSequence(ids: [])])
    }
    #expect(throws: EngineError.sequenceTooLong(index: 0, length: 65, limit: 64)) {
        try model.scores([sequence(65, seed: 1)])
    }
    #expect(throws: EngineError.tokenOutOfRange(index: 0, id: 50, vocabSize: 50)) {
        try model.scores([TokenSequence(ids: [1, 50])])
    }
    #expect(throws: EngineError.typeIdOutOfRange(index: 0, id: 2, typeVocabSize: 2)) {
        try model.scores([TokenSequence(ids: [1, 2], typeIds: [0, 2])])
    }
    #expect(try model.scores([]).isEmpty)
}
