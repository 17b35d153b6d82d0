// Start-up's warm-up: two passes through a model that has run none, none through one that ran a full
// pass while loading (int8's calibration), whose rate is taken as it is.
import Testing
import Tokenizer

@testable import RewardService

/// `FakeScoringModel` that says it measured `rate` while loading.
private struct MeasuredWhileLoading: ScoringModel {
    let fake: FakeScoringModel
    let rate: Double?

    var modelDescription: ModelDescription { fake.modelDescription }
    var tokensPerSecondMeasuredAtLoad: Double? { rate }

    func encode(prompt: String, response: String, truncate: Bool, stopIf shouldStop: () -> Bool) throws -> Encoding {
        try fake.encode(prompt: prompt, response: response, truncate: truncate, stopIf: shouldStop)
    }

    func rawScores(_ encodings: [Encoding]) throws -> [Float] { try fake.rawScores(encodings) }
}

@Test func warmUpRunsAShortThenATimedPass() throws {
    let fake = FakeScoringModel(maxLength: 512)
    let rate = try EngineCalibration.warmUp(fake)
    #expect(rate > 0 && rate.isFinite)
    #expect(fake.batches.count == 2)
}

@Test func warmUpTakesTheRateAModelMeasuredWhileLoading() throws {
    let fake = FakeScoringModel(maxLength: 512)
    #expect(try EngineCalibration.warmUp(MeasuredWhileLoading(fake: fake, rate: 1234)) == 1234)
    #expect(fake.batches.isEmpty, "no pass: loading already ran one")
    // A rate that means nothing is not taken.
    for unusable in [0, -1, .infinity, .nan] {
        let other = FakeScoringModel(maxLength: 512)
        let rate = try EngineCalibration.warmUp(MeasuredWhileLoading(fake: other, rate: unusable))
        #expect(rate != unusable && rate > 0)
        #expect(other.batches.count == 2)
    }
}
