// The built `reward-server` under faults, as an operator meets them: killed with SIGKILL in the middle
// of a download and started again; stopped with SIGTERM while `serve` downloads (probes answering
// meanwhile); two processes starting on one empty cache. The fake hub holds the weights' transfer
// midway (`stallAfter`) so the fault lands mid-download every time.
import Foundation
import Glibc
import Testing

@testable import Hub

@Suite(.serialized) struct ProcessFaultTests {
    static let weights = "model.safetensors"
    static let heldAt = 100_000

    static func environment(hub: FakeHub, home: URL) -> [String: String] {
        [
            "PATH": "/usr/bin:/bin", "HOME": home.path, "HF_HOME": home.appendingPathComponent("hf").path,
            "HF_ENDPOINT": hub.url,
        ]
    }

    static func incomplete(_ layout: ExpectedLayout, _ sha: String) -> URL {
        layout.repoFolder.appendingPathComponent("blobs/\(sha).incomplete")
    }

    @Test func killedMidDownloadThenRestartedResumesAndVerifies() async throws {
        let repo = try fixtureRepo()
        let data = try #require(repo.files[Self.weights])
        let sha = SHA256.hexDigest(of: data)
        try await withFakeHub([repo]) { hub, home in
            hub.setFaults { $0.stallAfter[Self.weights] = Self.heldAt }
            defer { hub.setFaults { $0.stallAfter = [:] } }
            let layout = hubSettings(hub: hub, home: home).layout()
            let environment = Self.environment(hub: hub, home: home)
            let first = try ChildProcess(["download", "--model", repoID], environment: environment)
            #expect(await eventually { FileDownloader.size(of: Self.incomplete(layout, sha)) == Int64(Self.heldAt) })
            first.signal(SIGKILL)
            let killed = await first.exitStatus()
            #expect(killed?.bySignal == true && killed?.status == SIGKILL)
            // Nothing a later start would trust: no blob, no link, no ref; only the partial file.
            #expect(layout.blobNames.filter { $0.hasPrefix(sha) } == ["\(sha).incomplete"])
            #expect(
                !FileManager.default.fileExists(
                    atPath: layout.snapshot(repo.commit).appendingPathComponent(Self.weights).path))
            #expect(!FileManager.default.fileExists(atPath: layout.ref("main").path))

            hub.setFaults { $0.stallAfter = [:] }
            let second = try ChildProcess(["download", "--model", repoID], environment: environment)
            let finished = await second.exitStatus()
            #expect(finished?.status == 0 && finished?.bySignal == false, "\(second.stderr)")
            #expect(second.stdout == layout.snapshot(repo.commit).path + "\n")
            #expect(second.stderr.contains("resuming at"))
            #expect(hub.downloads(of: Self.weights).last?.header("Range") == "bytes=\(Self.heldAt)-")
            let stored = try Data(contentsOf: layout.snapshot(repo.commit).appendingPathComponent(Self.weights))
            #expect(SHA256.hexDigest(of: stored) == sha)
            #expect(layout.blobNames.filter { $0.hasPrefix(sha) } == [sha])
            #expect(FileManager.default.fileExists(atPath: layout.ref("main").path))
        }
    }

    /// `serve` listens before the model is there: /health 200, /ready 503 with the download's bytes,
    /// /score 503 + Retry-After. SIGTERM then exits 0 and leaves the partial file, which the next
    /// start resumes before turning ready.
    @Test func serveAnswersProbesWhileDownloadingAndSigtermLeavesThePartialFile() async throws {
        let repo = try fixtureRepo()
        let data = try #require(repo.files[Self.weights])
        let sha = SHA256.hexDigest(of: data)
        try await withFakeHub([repo]) { hub, home in
            hub.setFaults { $0.stallAfter[Self.weights] = Self.heldAt }
            defer { hub.setFaults { $0.stallAfter = [:] } }
            let layout = hubSettings(hub: hub, home: home).layout()
            let environment = Self.environment(hub: hub, home: home)
            let arguments = ["serve", "--model", repoID, "--host", "127.0.0.1", "--port", "0", "--threads", "1"]
            let first = try ChildProcess(arguments, environment: environment)
            let port = try #require(
                await first.port(fromLineEndingWith: "listening before the model is loaded"), "\(first.stderr)")
            #expect(await eventually { FileDownloader.size(of: Self.incomplete(layout, sha)) == Int64(Self.heldAt) })

            #expect(try rawHTTP(port: port, "GET", "/health").hasPrefix("HTTP/1.1 200"))
            let ready = try rawHTTP(port: port, "GET", "/ready")
            #expect(ready.hasPrefix("HTTP/1.1 503"), "\(ready)")
            #expect(ready.contains("Retry-After: "))
            let body = try #require(ready.components(separatedBy: "\r\n\r\n").last)
            let status = try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])
            #expect(status["phase"] as? String == "downloading")
            let download = try #require(status["download"] as? [String: Any])
            #expect(download["file"] as? String == Self.weights)
            #expect(download["bytes_done"] as? Int == Self.heldAt)
            #expect(download["bytes_total"] as? Int == data.count)
            let score = try rawHTTP(port: port, "POST", "/score", body: #"{"prompt":"a","response":"b"}"#)
            #expect(score.hasPrefix("HTTP/1.1 503") && score.contains("Retry-After: "), "\(score)")

            first.signal(SIGTERM)
            let stopped = await first.exitStatus()
            #expect(stopped?.status == 0 && stopped?.bySignal == false, "\(first.stderr)")
            #expect(FileDownloader.size(of: Self.incomplete(layout, sha)) == Int64(Self.heldAt))

            hub.setFaults { $0.stallAfter = [:] }
            let second = try ChildProcess(arguments, environment: environment)
            let readyPort = try #require(await second.port(fromLineEndingWith: " ready"), "\(second.stderr)")
            #expect(try rawHTTP(port: readyPort, "GET", "/ready").hasPrefix("HTTP/1.1 200"))
            let scored = try rawHTTP(port: readyPort, "POST", "/score", body: #"{"prompt":"a","response":"b"}"#)
            #expect(scored.hasPrefix("HTTP/1.1 200"), "\(scored)")
            #expect(hub.downloads(of: Self.weights).last?.header("Range") == "bytes=\(Self.heldAt)-")
            second.signal(SIGTERM)
            #expect(await second.exitStatus()?.status == 0, "\(second.stderr)")
        }
    }

    /// Two processes on one empty cache: the first takes the blob's lock and downloads; the second
    /// waits on the lock, then finds the blob and links it. The weights are fetched once.
    @Test func twoProcessesOnAnEmptyCacheDownloadOnceAndBothUseIt() async throws {
        let repo = try fixtureRepo()
        let data = try #require(repo.files[Self.weights])
        try await withFakeHub([repo]) { hub, home in
            hub.setFaults { $0.stallAfter[Self.weights] = Self.heldAt }
            defer { hub.setFaults { $0.stallAfter = [:] } }
            let layout = hubSettings(hub: hub, home: home).layout()
            let environment = Self.environment(hub: hub, home: home)
            let first = try ChildProcess(["download", "--model", repoID], environment: environment)
            let second = try ChildProcess(["download", "--model", repoID], environment: environment)
            // Both have asked for the weights' metadata, and one of them is downloading under the lock.
            let weightsHeads = {
                hub.requests.filter { $0.method == "HEAD" && $0.path.hasSuffix("/" + Self.weights) }.count
            }
            #expect(await eventually { weightsHeads() >= 2 && hub.downloads(of: Self.weights).count == 1 })
            hub.setFaults { $0.stallAfter = [:] }
            for child in [first, second] {
                let result = await child.exitStatus()
                #expect(result?.status == 0 && result?.bySignal == false, "\(child.stderr)")
                #expect(child.stdout == layout.snapshot(repo.commit).path + "\n")
            }
            #expect(hub.downloads(of: Self.weights).count == 1)
            #expect(try Data(contentsOf: layout.snapshot(repo.commit).appendingPathComponent(Self.weights)) == data)
        }
    }
}
