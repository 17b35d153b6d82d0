// Request bodies → ScoreRequest / RankRequest: the exact 400 and 422 messages clients see, each
// naming the field's path, and the integer and null rules of the API's fields.
import Testing

@testable import RewardService

private func score(_ body: String) throws(ServiceError) -> ScoreRequest {
    try RequestDecoding.scoreRequest(Array(body.utf8))
}

private func rank(_ body: String) throws(ServiceError) -> RankRequest {
    try RequestDecoding.rankRequest(Array(body.utf8))
}

@Test func wrongFieldsAreNamedByTheirPath() {
    let cases: [(String, String)] = [
        (#"{"prompt":"a"}"#, "missing field 'response'"),
        (#"{"prompt":1,"response":"b"}"#, "field 'prompt' must be a string, got a number"),
        (#"{"prompt":"a","response":null}"#, "missing field 'response'"),
        (#"{"pairs":[{"prompt":"a","response":"b"},{"prompt":"a"}]}"#, "missing field 'pairs[1].response'"),
        (#"{"pairs":[{"prompt":"a","response":["b"]}]}"#, "field 'pairs[0].response' must be a string, got an array"),
        (#"{"pairs":[7]}"#, "missing field 'pairs[0].prompt'"),
        (#"{"pairs":{}}"#, "field 'pairs' must be an array, got an object"),
        (#"{"prompt":"a","response":"b","alpha":"2"}"#, "field 'alpha' must be a number, got a string"),
        (#"{"prompt":"a","response":"b","truncate":1}"#, "field 'truncate' must be a boolean, got a number"),
        (#"{"pairs":[],"response":"b"}"#, "give either 'prompt' and 'response', or 'pairs', not both"),
    ]
    for (body, message) in cases {
        #expect(throws: ServiceError.validation(message), "\(body)") { try score(body) }
    }
    #expect(throws: ServiceError.validation("field 'responses[1]' must be a string, got null")) {
        try rank(#"{"prompt":"a","responses":["x",null]}"#)
    }
    #expect(throws: ServiceError.validation("field 'top_k' must be an integer, got a number")) {
        try rank(#"{"prompt":"a","responses":["x"],"top_k":1.5}"#)
    }
    #expect(throws: ServiceError.validation("field 'return_text' must be a boolean, got a number")) {
        try rank(#"{"prompt":"a","responses":["x"],"return_text":1}"#)
    }
}

@Test func theBodyMustBeJSONAndAnObject() {
    #expect(throws: ServiceError.validation("the body must be a JSON object, got an array")) { try score("[1]") }
    #expect(throws: ServiceError.malformedJSON("the body is not valid JSON: unexpected end of input at byte 10")) {
        try score(#"{"prompt":"#)
    }
}

@Test func nullOptionalsAreAbsentAndNumbersConvert() throws {
    let request = try score(#"{"prompt":"a","response":"b","alpha":2,"truncate":null,"extra":[1]}"#)
    #expect(request == ScoreRequest(prompt: "a", response: "b", alpha: 2))
    #expect(try score(#"{"pairs":[{"prompt":"a","response":"b"}],"prompt":null}"#).pairs?.count == 1)
}

@Test func topKTakesAnyWholeNumberAndSaturatesBeyondInt() throws {
    #expect(try rank(#"{"prompt":"a","responses":["x"],"top_k":2.0}"#).topK == 2)
    #expect(try rank(#"{"prompt":"a","responses":["x"],"top_k":1e20}"#).topK == Int.max)
    #expect(try rank(#"{"prompt":"a","responses":["x"],"top_k":-1e20}"#).topK == Int.min)
}
