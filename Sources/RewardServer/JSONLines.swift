// JSON-lines input and output for the terminal subcommands: one object per line in, one per line out,
// in order. A bad line yields an error object in its place so outputs stay aligned with inputs.
import Foundation

struct PairLine: Decodable {
    let prompt: String
    let response: String
    let alpha: Double?
}

struct ErrorLine: Encodable {
    let error: String
}

/// A line with nothing on it still gets its own output line (an error), so output stays aligned.
struct BlankLineError: Error, CustomStringConvertible {
    var description: String { "empty line: expected a JSON object" }
}

enum JSONLines {
    /// Reads stdin in chunks of `chunkSize` lines; each chunk is handed over whole so it can be batched.
    static func forEachChunk(chunkSize: Int, _ body: ([(line: Int, result: Result<PairLine, Error>)]) throws -> Void)
        rethrows
    {
        var chunk: [(line: Int, result: Result<PairLine, Error>)] = []
        var number = 0
        while let text = readLine(strippingNewline: true) {
            number += 1
            if text.allSatisfy(\.isWhitespace) {
                chunk.append((number, .failure(BlankLineError())))
            } else {
                chunk.append((number, Result { try JSONDecoder().decode(PairLine.self, from: Data(text.utf8)) }))
            }
            if chunk.count == chunkSize {
                try body(chunk)
                chunk.removeAll(keepingCapacity: true)
            }
        }
        if !chunk.isEmpty { try body(chunk) }
    }

    static func write<T: Encodable>(_ value: T) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        do {
            var data = try encoder.encode(value)
            data.append(0x0A)
            FileHandle.standardOutput.write(data)
        } catch {
            FileHandle.standardOutput.write(Data("{\"error\":\"unencodable output: \(error)\"}\n".utf8))
        }
    }

    static func describe(_ error: Error) -> String {
        if let decoding = error as? DecodingError {
            switch decoding {
            case .keyNotFound(let key, _): return "missing field '\(key.stringValue)'"
            case .typeMismatch(_, let context), .valueNotFound(_, let context):
                return "field '\(context.codingPath.map(\.stringValue).joined(separator: "."))' has the wrong type"
            case .dataCorrupted: return "not a JSON object"
            @unknown default: return "invalid input"
            }
        }
        return "\(error)"
    }
}
