// The download loop's transitions without sockets, files or clocks: each test feeds in what a
// transfer came to and checks the exact actions that come out, down to the backoffs, including
// servers that cut every transfer, ignore Range, redirect in a loop or announce a wrong size.
import Foundation
import Testing

@testable import Hub

private typealias Action = DownloadLoop.Action
private typealias Transfer = DownloadLoop.Transfer

private let file = "model.safetensors"
private let hubURL = URL(string: "https://hub.test/org/name/resolve/abc/model.safetensors")!
private let cdnURL = URL(string: "https://cdn.test/blobs/sha")!

/// Stands in for `HubAPI.statusError`: the loop must hand a final status over, not retry it.
@Sendable private func statusError(_ head: HTTPResponseHead) -> HubError {
    .unexpectedResponse(what: "for \(file)", detail: "HTTP \(head.status)")
}

/// Backoffs 100 ms, 200 ms, 400 ms, 400 ms, …
private func makeLoop(partial: Int64 = 0, expected: Int64? = 1000, attempts: Int = 4) -> DownloadLoop {
    let policy = RetryPolicy(attempts: attempts, initialBackoff: .milliseconds(100), maxBackoff: .milliseconds(400))
    return DownloadLoop(
        file: file, url: hubURL, partialSize: partial, expectedSize: expected, policy: policy, maxRedirects: 5,
        statusError: statusError)
}

private func networkError(attempts: Int, _ problem: String, origin: String = "https://hub.test:443") -> HubError {
    .network(what: "downloading \(file)", attempts: attempts, detail: "\(problem) from \(origin)")
}

@Suite struct DownloadLoopTests {
    // MARK: Resuming

    @Test func aFreshDownloadIsOneRequestFromZero() {
        var loop = makeLoop()
        #expect(loop.start() == .request(hubURL, rangeFrom: 0))
        #expect(loop.received(Transfer(head: .whole(1000), bodyStart: 0, partialSize: 1000)) == .finished(1000))
    }

    @Test func aPartialFileIsContinuedWithARangeFromItsEnd() {
        var loop = makeLoop(partial: 400)
        #expect(loop.start() == .request(hubURL, rangeFrom: 400))
        let transfer = Transfer(head: .ranged(from: 400, total: 1000), bodyStart: 400, partialSize: 1000)
        #expect(loop.received(transfer) == .finished(1000))
    }

    @Test func aCompletePartialFileNeedsNoRequest() {
        var loop = makeLoop(partial: 1000)
        #expect(loop.start() == .finished(1000))
    }

    @Test func aPartialFileLongerThanAnnouncedStartsOverWithoutCountingAFailure() {
        var loop = makeLoop(partial: 1200)
        #expect(loop.start() == .truncateAndRestart)
        #expect(loop.truncated() == .request(hubURL, rangeFrom: 0))
        #expect(loop.failures == 0)
    }

    @Test func onlyTheRangeAskedForIsAppended() {
        let placement = DownloadLoop.placement(of:requestedFrom:)
        #expect(placement(.ranged(from: 400, total: 1000), 400) == .append(at: 400))
        #expect(placement(.ranged(from: 300, total: 1000), 400) == .reject)
        #expect(placement(.ranged(from: 0, total: 1000), 0) == .reject)
        #expect(placement(.status(206, ["Content-Length": "600"]), 400) == .reject)
        #expect(placement(.whole(1000), 400) == .rewrite)
        #expect(placement(.whole(1000), 0) == .rewrite)
        for status in [302, 404, 416, 503] { #expect(placement(.status(status), 400) == .reject) }
    }

    @Test func aWholeFileAnsweringARangeRequestIsWrittenFromZero() {
        var loop = makeLoop(partial: 400)
        let actions = loop.simulate { _, offset in SimulatedReply.serving(size: 1000, from: offset, ignoringRange: true)
        }
        #expect(actions == [.request(hubURL, rangeFrom: 400), .finished(1000)])
    }

    @Test func aCutTransferWaitsThenResumesWhereTheFileEnds() {
        var loop = makeLoop()
        var cut: Int64? = 300
        let actions = loop.simulate { _, offset in
            defer { cut = nil }
            return SimulatedReply.serving(size: 1000, from: offset, cut: cut)
        }
        #expect(
            actions == [
                .request(hubURL, rangeFrom: 0),
                .wait(.milliseconds(100), problem: "transfer closed with 700 bytes remaining"),
                .request(hubURL, rangeFrom: 300), .finished(1000),
            ])
    }

    @Test func aRangeWeDidNotAskForDropsThePartialFileThenRetries() {
        var loop = makeLoop(partial: 400)
        _ = loop.start()
        #expect(loop.received(Transfer(head: .ranged(from: 300, total: 1000), partialSize: 400)) == .truncateAndRestart)
        #expect(loop.truncated() == .wait(.milliseconds(100), problem: "HTTP 206"))
        #expect(loop.waited() == .request(hubURL, rangeFrom: 0))
    }

    @Test func anUnsatisfiableRangeStartsOver() {
        var loop = makeLoop(partial: 400)
        _ = loop.start()
        #expect(loop.received(Transfer(head: .status(416), partialSize: 400)) == .truncateAndRestart)
        #expect(loop.truncated() == .wait(.milliseconds(100), problem: "range 400- not satisfiable"))
        #expect(loop.waited() == .request(hubURL, rangeFrom: 0))
    }

    @Test func anUnsatisfiableAnswerWithoutARangeIsFinal() {
        var loop = makeLoop()
        _ = loop.start()
        #expect(loop.received(Transfer(head: .status(416), partialSize: 0)) == .fail(statusError(.status(416))))
    }

    // MARK: Redirects

    @Test func redirectsAreFollowedWithTheSameRangeAndCostNoRetry() {
        var loop = makeLoop(partial: 400)
        _ = loop.start()
        let hop = Transfer(head: .redirect(to: cdnURL.absoluteString), partialSize: 400)
        #expect(loop.received(hop) == .request(cdnURL, rangeFrom: 400))
        #expect(loop.failures == 0 && loop.redirects == 1)
        let relative = Transfer(head: .redirect(to: "/elsewhere"), partialSize: 400)
        #expect(loop.received(relative) == .request(URL(string: "https://cdn.test/elsewhere")!, rangeFrom: 400))
    }

    @Test func retriesGoWhereTheLastRedirectPointedAndRedirectsCountAcrossThem() {
        var loop = makeLoop()
        var answers: [HTTPResponseHead] =
            [.redirect(to: cdnURL.absoluteString), .status(503)] + Array(repeating: .redirect(to: "/b"), count: 5)
        let actions = loop.simulate { _, _ in SimulatedReply(head: answers.removeFirst()) }
        let cdnB = URL(string: "https://cdn.test/b")!
        let tooMany = HubError.unexpectedResponse(what: "downloading \(file)", detail: "too many redirects")
        #expect(
            actions == [
                .request(hubURL, rangeFrom: 0), .request(cdnURL, rangeFrom: 0),
                .wait(.milliseconds(100), problem: "HTTP 503"), .request(cdnURL, rangeFrom: 0),
                .request(cdnB, rangeFrom: 0), .request(cdnB, rangeFrom: 0), .request(cdnB, rangeFrom: 0),
                .request(cdnB, rangeFrom: 0), .fail(tooMany),
            ])
    }

    @Test func aRedirectLoopFailsAfterMaxRedirects() {
        var loop = makeLoop()
        let other = URL(string: "https://hub.test/other")!
        let actions = loop.simulate { url, _ in
            SimulatedReply(head: .redirect(to: (url == other ? hubURL : other).absoluteString))
        }
        let hops: [Action] = [hubURL, other, hubURL, other, hubURL, other].map { .request($0, rangeFrom: 0) }
        #expect(
            actions == hops + [.fail(.unexpectedResponse(what: "downloading \(file)", detail: "too many redirects"))])
    }

    @Test func aRedirectWithAnUnusableLocationIsAFinalStatus() {
        var loop = makeLoop()
        _ = loop.start()
        let bad = HTTPResponseHead.status(302, ["Location": "http://[::1"])
        #expect(loop.received(Transfer(head: bad, partialSize: 0)) == .fail(statusError(bad)))
    }

    // MARK: Failures and the retry budget

    @Test func transientStatusesAreRetriedWithGrowingBackoffUntilTheBudgetEnds() {
        var loop = makeLoop()
        let actions = loop.simulate { _, _ in SimulatedReply(head: .status(503)) }
        #expect(
            actions == [
                .request(hubURL, rangeFrom: 0), .wait(.milliseconds(100), problem: "HTTP 503"),
                .request(hubURL, rangeFrom: 0), .wait(.milliseconds(200), problem: "HTTP 503"),
                .request(hubURL, rangeFrom: 0), .wait(.milliseconds(400), problem: "HTTP 503"),
                .request(hubURL, rangeFrom: 0), .fail(networkError(attempts: 4, "HTTP 503")),
            ])
    }

    @Test func aFinalStatusFailsAtOnce() {
        for status in [401, 403, 404, 410] {
            var loop = makeLoop(partial: 400)
            _ = loop.start()
            #expect(
                loop.received(Transfer(head: .status(status), partialSize: 400)) == .fail(statusError(.status(status))))
        }
    }

    @Test func noAnswerIsRetriedWithTheTransportsWords() {
        var loop = makeLoop()
        _ = loop.start()
        let refused = Transfer(partialSize: 0, failure: "Could not connect to server")
        #expect(loop.received(refused) == .wait(.milliseconds(100), problem: "Could not connect to server"))
        #expect(loop.waited() == .request(hubURL, rangeFrom: 0))
        #expect(loop.received(Transfer(partialSize: 0)) == .wait(.milliseconds(200), problem: "no response"))
    }

    @Test func aWriteErrorFailsWithoutRetrying() {
        var loop = makeLoop()
        _ = loop.start()
        let full = HubError.cache(path: "/cache/blob.incomplete", detail: "cannot write: no space left")
        let transfer = Transfer(
            head: .whole(1000), bodyStart: 0, partialSize: 512, failure: "cancelled", writeError: full)
        #expect(loop.received(transfer) == .fail(full))
    }

    @Test func aServerThatAlwaysCutsCompletesBecauseEachTransferGetsFurther() {
        var loop = makeLoop(attempts: 2)
        let actions = loop.simulate { _, offset in SimulatedReply.serving(size: 1000, from: offset, cut: 300) }
        let cutAfter = { (remaining: Int) in
            Action.wait(.milliseconds(100), problem: "transfer closed with \(remaining) bytes remaining")
        }
        #expect(
            actions == [
                .request(hubURL, rangeFrom: 0), cutAfter(700), .request(hubURL, rangeFrom: 300), cutAfter(400),
                .request(hubURL, rangeFrom: 600), cutAfter(100), .request(hubURL, rangeFrom: 900), .finished(1000),
            ])
    }

    @Test func aServerThatCutsAndIgnoresRangeFailsAfterTheBudget() {
        var loop = makeLoop()
        let actions = loop.simulate { _, offset in
            SimulatedReply.serving(size: 1000, from: offset, cut: 300, ignoringRange: true)
        }
        let problem = "transfer closed with 700 bytes remaining"
        #expect(
            actions == [
                .request(hubURL, rangeFrom: 0), .wait(.milliseconds(100), problem: problem),
                .request(hubURL, rangeFrom: 300), .wait(.milliseconds(200), problem: problem),
                .request(hubURL, rangeFrom: 300), .wait(.milliseconds(400), problem: problem),
                .request(hubURL, rangeFrom: 300), .fail(networkError(attempts: 4, problem)),
            ])
    }

    @Test func aTransportErrorAfterTheLastByteFinishesAfterTheWait() {
        var loop = makeLoop()
        _ = loop.start()
        let transfer = Transfer(head: .whole(1000), bodyStart: 0, partialSize: 1000, failure: "connection reset")
        #expect(loop.received(transfer) == .wait(.milliseconds(100), problem: "connection reset"))
        #expect(loop.waited() == .finished(1000))
    }

    // MARK: Sizes

    @Test func aCompleteTransferOfAnotherSizeThanAnnouncedIsASizeMismatch() {
        for served: Int64 in [900, 1100] {
            var loop = makeLoop()
            let actions = loop.simulate { _, offset in SimulatedReply.serving(size: served, from: offset) }
            let mismatch = HubError.sizeMismatch(file: file, expected: 1000, actual: served)
            #expect(actions == [.request(hubURL, rangeFrom: 0), .discardAndFail(mismatch)])
        }
    }

    @Test func aResumedCopyOfAnotherSizeIsASizeMismatch() {
        var loop = makeLoop(partial: 400)
        let actions = loop.simulate { _, offset in SimulatedReply.serving(size: 900, from: offset) }
        let mismatch = HubError.sizeMismatch(file: file, expected: 1000, actual: 900)
        #expect(actions == [.request(hubURL, rangeFrom: 400), .discardAndFail(mismatch)])
    }

    @Test func aBodyEndingShortOfItsOwnLengthIsRetried() {
        var loop = makeLoop()
        _ = loop.start()
        let short = Transfer(head: .whole(1000), bodyStart: 0, partialSize: 700)
        #expect(loop.received(short) == .wait(.milliseconds(100), problem: "the body ended at 700 of 1000 bytes"))
        #expect(loop.waited() == .request(hubURL, rangeFrom: 700))
    }

    @Test func aCutBodyOverrunningTheAnnouncedSizeStartsOver() {
        var loop = makeLoop()
        _ = loop.start()
        let overrun = Transfer(head: .whole(nil), bodyStart: 0, partialSize: 1100, failure: "connection reset")
        #expect(loop.received(overrun) == .wait(.milliseconds(100), problem: "connection reset"))
        #expect(loop.waited() == .truncateAndRestart)
        #expect(loop.truncated() == .request(hubURL, rangeFrom: 0))
    }

    @Test func theSizeIsLearntFromTheFirstGetThatTellsIt() {
        var loop = makeLoop(expected: nil)
        let actions = loop.simulate { _, offset in
            SimulatedReply.serving(size: 1000, from: offset, cut: offset == 0 ? 600 : nil)
        }
        #expect(loop.expectedSize == 1000)
        #expect(
            actions == [
                .request(hubURL, rangeFrom: 0),
                .wait(.milliseconds(100), problem: "transfer closed with 400 bytes remaining"),
                .request(hubURL, rangeFrom: 600), .finished(1000),
            ])
    }

    @Test func withoutAnySizeTheEndOfTheBodyIsTheEndOfTheFile() {
        var loop = makeLoop(expected: nil)
        _ = loop.start()
        #expect(loop.received(Transfer(head: .whole(nil), bodyStart: 0, partialSize: 777)) == .finished(777))
        #expect(loop.expectedSize == nil)
    }
}
