// libFuzzer entry point for the HTTP request parser. Built by Scripts/fuzz-http-parser.sh
// together with the parser's source files only (no package, no Foundation), so it stays out
// of the main build graph.
//
// Each input is parsed three ways (whole, byte by byte, and in cuts chosen by the input's
// last byte) with small limits so they are reached; any difference in the events, a body
// over its limit, or a request after an error is a crash.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzHTTPParser(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = Array(UnsafeBufferPointer(start: data, count: size))
    let limits = HTTPLimits(
        maxRequestLineLength: 128, maxHeaderBytes: 256, maxHeaderCount: 8, maxBodyBytes: 512, maxChunkLineLength: 32,
        maxTrailerBytes: 64)
    let whole = events(feeding: [input[...]], limits: limits)
    check(whole, limits: limits)
    let bytewise = events(feeding: input.indices.map { input[$0...$0] }, limits: limits)
    guard whole == bytewise else { fatalError("byte-by-byte outcome differs from whole input") }
    let step = Int(input.last ?? 1) % 7 + 1
    let cuts = stride(from: 0, to: input.count, by: step).map { input[$0..<min(input.count, $0 + step)] }
    guard whole == events(feeding: cuts, limits: limits) else { fatalError("split outcome differs from whole input") }
    return 0
}

private func events(feeding pieces: [ArraySlice<UInt8>], limits: HTTPLimits) -> [HTTPParser.Event] {
    var parser = HTTPParser(limits: limits)
    var events: [HTTPParser.Event] = []
    for piece in pieces {
        piece.withUnsafeBytes { parser.feed($0) }
        while let event = parser.next() { events.append(event) }
    }
    return events
}

private func check(_ events: [HTTPParser.Event], limits: HTTPLimits) {
    var failed = false
    for event in events {
        if failed { fatalError("event after an error") }
        switch event {
        case .error: failed = true
        case .head(let head):
            if head.headers.count > limits.maxHeaderCount { fatalError("header count over limit") }
        case .request(let request):
            if request.body.count > limits.maxBodyBytes { fatalError("body over limit") }
            if request.method.isEmpty || request.target.isEmpty { fatalError("empty method or target") }
        }
    }
}
