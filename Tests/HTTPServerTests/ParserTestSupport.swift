// Helpers shared by the parser and state-machine tests: replaying an input whole, byte by
// byte and in seeded random splits (TestSupport's seeded generator, so failures reproduce).

import TestSupport

@testable import HTTPServer

/// The ways an input is cut into feeds: whole, byte by byte, and `randomSplits` random cuts.
func splittings(of input: [UInt8], seed: UInt64 = 0x5EED, randomSplits: Int = 16) -> [[ArraySlice<UInt8>]] {
    var result: [[ArraySlice<UInt8>]] = [[input[...]]]
    result.append(input.indices.map { input[$0...$0] })
    var generator = SeededGenerator(seed: seed ^ UInt64(input.count))
    for _ in 0..<randomSplits {
        var pieces: [ArraySlice<UInt8>] = []
        var start = 0
        while start < input.count {
            let length = Int.random(in: 1...max(1, input.count / 3 + 1), using: &generator)
            let end = min(input.count, start + length)
            pieces.append(input[start..<end])
            start = end
        }
        result.append(pieces)
    }
    return result
}

/// Feeds the pieces in order, draining events after each feed.
func parseEvents(_ pieces: [ArraySlice<UInt8>], limits: HTTPLimits = HTTPLimits()) -> [HTTPParser.Event] {
    var parser = HTTPParser(limits: limits)
    var events: [HTTPParser.Event] = []
    for piece in pieces {
        piece.withUnsafeBytes { parser.feed($0) }
        while let event = parser.next() { events.append(event) }
    }
    return events
}

/// Parses `input` every way it can be split; returns the events of the whole-input run and
/// whether every other split produced exactly the same events.
func parseEverySplit(_ input: [UInt8], limits: HTTPLimits = HTTPLimits()) -> (
    events: [HTTPParser.Event], consistent: Bool
) {
    let runs = splittings(of: input).map { parseEvents($0, limits: limits) }
    return (runs[0], runs.allSatisfy { $0 == runs[0] })
}

func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

extension HTTPParser.Event {
    var request: HTTPRequest? {
        if case .request(let request) = self { return request }
        return nil
    }

    var parseError: HTTPParseError? {
        if case .error(let error) = self { return error }
        return nil
    }
}

extension Array where Element == HTTPParser.Event {
    var requests: [HTTPRequest] { compactMap(\.request) }
    var parseError: HTTPParseError? { compactMap(\.parseError).first }
}
