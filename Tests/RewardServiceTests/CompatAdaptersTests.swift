// The compatibility adapters' pure parts: OpenRLHF's prompt-prefix split, the activations, the
// labels read from config.json, TEI's input forms, vLLM's field pairs and activation aliases, and
// each error dialect's body and status.
import Foundation
import HTTPServer
import StrictJSON
import Testing

@testable import RewardService

private func fields(_ json: String) throws -> JSONFields {
    JSONFields(try JSONValue.parse(Array(json.utf8), options: JSONParseOptions(duplicateKeys: .lastWins)))
}

@Suite struct CompatAdaptersTests {
    @Test func openRLHFSplitsOnlyOnANonEmptyPromptThatBeginsTheQuery() {
        #expect(OpenRLHFRequest.split("Q: hi A: yo", prompt: "Q: hi ") == Pair(prompt: "Q: hi ", response: "A: yo"))
        #expect(OpenRLHFRequest.split("Q: hi", prompt: "Q: hi") == Pair(prompt: "Q: hi", response: ""))
        #expect(OpenRLHFRequest.split("other", prompt: "Q") == Pair(prompt: "other", response: ""))
        #expect(OpenRLHFRequest.split("abc", prompt: "") == Pair(prompt: "abc", response: ""))
        // By scalars: "e" + combining acute is one Character but the prompt "e" still begins it.
        #expect(OpenRLHFRequest.split("e\u{301}x", prompt: "e") == Pair(prompt: "e", response: "\u{301}x"))
    }

    @Test func activationIsSigmoidForOneLabelAndSoftmaxForSeveral() {
        #expect(Activation.probabilities([0]) == [0.5])
        #expect(abs(Activation.probabilities([2])[0] - 0.8807970779778823) < 1e-15)
        let softmax = Activation.probabilities([1, 2, 3])
        #expect(abs(softmax.reduce(0, +) - 1) < 1e-12)
        #expect(abs(softmax[2] - 0.6652409557748219) < 1e-12)
        // Large logits do not overflow.
        #expect(Activation.probabilities([1000, 1000]) == [0.5, 0.5])
    }

    @Test func labelsComeFromId2labelInIdOrder() {
        let config = #"{"id2label": {"1": "GOOD", "0": "BAD"}}"#
        #expect(ModelFacts.labels(fromConfig: Array(config.utf8)) == ["BAD", "GOOD"])
        #expect(ModelFacts.labels(fromConfig: Array(#"{"id2label": {"x": "A"}}"#.utf8)) == nil)
        #expect(ModelFacts(id: "m", labels: []).labels == ["LABEL_0"])
    }

    @Test func teiInputFormsAreReadAsTEIReadsThem() throws {
        let text = try TEIRequest.predictInputs(fields(#"{"inputs": "a"}"#))
        #expect(text.pairs == [Pair(prompt: "a", response: "")] && !text.isBatch)
        let pair = try TEIRequest.predictInputs(fields(#"{"inputs": ["a", "b"]}"#))
        #expect(pair.pairs == [Pair(prompt: "a", response: "b")] && !pair.isBatch)
        let batch = try TEIRequest.predictInputs(fields(#"{"inputs": ["a", "b", "c"]}"#))
        #expect(batch.pairs.count == 3 && batch.isBatch)
        let mixed = try TEIRequest.predictInputs(fields(#"{"inputs": [["a", "b"], "c"]}"#))
        #expect(mixed.pairs == [Pair(prompt: "a", response: "b"), Pair(prompt: "c", response: "")] && mixed.isBatch)
        let object = try TEIRequest.predictInputs(fields(#"{"inputs": {"text": "a", "text_pair": "b"}}"#))
        #expect(object.pairs == [Pair(prompt: "a", response: "b")])
        #expect(throws: ServiceError.self) { try TEIRequest.predictInputs(fields(#"{"inputs": [["a"]]}"#)) }
    }

    @Test func vllmFieldPairsAndActivationAliases() throws {
        let limits = RequestLimits()
        let oneToN = try VLLMRequest.scorePairs(fields(#"{"queries": "q", "documents": ["a", "b"]}"#), limits: limits)
        #expect(oneToN == [Pair(prompt: "q", response: "a"), Pair(prompt: "q", response: "b")])
        let nToN = try VLLMRequest.scorePairs(fields(#"{"data_1": ["x", "y"], "data_2": ["a", "b"]}"#), limits: limits)
        #expect(nToN == [Pair(prompt: "x", response: "a"), Pair(prompt: "y", response: "b")])
        #expect(try VLLMRequest.useActivation(fields("{}")))
        #expect(try !VLLMRequest.useActivation(fields(#"{"activation": false}"#)))
        #expect(try !VLLMRequest.useActivation(fields(#"{"use_activation": false, "softmax": true}"#)))
        #expect(try VLLMRequest.isScoreBody(fields(#"{"text_1": "a", "text_2": "b"}"#)))
        #expect(try !VLLMRequest.isScoreBody(fields(#"{"prompt": "a", "text_1": "b"}"#)))
        #expect(try !VLLMRequest.isScoreBody(fields("{}")))
    }

    @Test func dialectsKeepTheStatusAndHeadersAndRewriteTheBody() throws {
        let overloaded = ErrorDialect.tei.response(for: .overloaded, requestID: "r", retryAfterSeconds: 3)
        #expect(overloaded.status == .tooManyRequests && overloaded.headers["retry-after"] == "3")
        #expect(String(decoding: overloaded.body, as: UTF8.self) == #"{"error":"the queue is full; retry later","error_type":"Overloaded"}"#)
        let validation = ErrorDialect.vLLM.response(for: .validation("bad"), requestID: "r", retryAfterSeconds: 1)
        #expect(validation.status == .badRequest)
        #expect(String(decoding: validation.body, as: UTF8.self) == #"{"error":{"message":"bad","type":"BadRequestError","param":null,"code":400}}"#)
        let cohere = ErrorDialect.cohere.response(for: .validation("x\"y"), requestID: "r", retryAfterSeconds: 1)
        #expect(cohere.status == .unprocessableContent && String(decoding: cohere.body, as: UTF8.self) == #"{"message":"x\"y"}"#)
        let hidden = ErrorDialect.openRLHF.response(for: .internalError("secret"), requestID: "r9", retryAfterSeconds: 1)
        #expect(String(decoding: hidden.body, as: UTF8.self) == #"{"detail":"internal error (request r9)"}"#)
    }
}
