// The entry point: a model name becomes a directory holding config.json, the tokenizer and the
// weights. A local directory is used as it is; a Hub repo id is fetched into the shared Hugging
// Face cache (or, offline, found there) and its snapshot directory returned.
import Foundation
import Logging

public enum ModelResolver {
    /// A local directory is returned as is. Otherwise `model` is a Hub repo id ("org/name"): the needed
    /// files of `revision` are ensured in the cache (downloaded unless offline) and the snapshot directory
    /// (…/models--org--name/snapshots/<commit>/) is returned. `observer` hears each download's progress.
    public static func resolve(
        model: String, revision: String, settings: HubSettings, logger: Logger, observer: DownloadObserver? = nil
    ) async throws -> URL {
        try await resolve(
            model: model, revision: revision, settings: settings, logger: logger, policy: .standard,
            observer: observer)
    }

    static func resolve(
        model: String, revision: String, settings: HubSettings, logger: Logger, policy: RetryPolicy,
        progress: ProgressOutput = .automatic, observer: DownloadObserver? = nil
    ) async throws -> URL {
        if let directory = try localDirectory(model) { return directory }
        let repo = try RepoID(model)
        try HubNames.validateRevision(revision)
        let cache = HubCache(root: settings.cacheDirectory, repo: repo)
        if settings.offline {
            let snapshot = try cachedSnapshot(cache: cache, revision: revision, settings: settings)
            try await BlobVerifier.verify(snapshot: snapshot, cache: cache, logger: logger)
            return snapshot
        }
        if let problem = settings.endpointProblem { throw HubError.invalidEndpoint(problem) }

        let transport = HubTransport(idleTimeout: 60)
        defer { transport.invalidate() }
        let api = HubAPI(settings: settings, repo: repo, transport: transport, policy: policy, logger: logger)
        let online = OnlineResolution(
            api: api, cache: cache, revision: revision, progress: progress, observer: observer)
        return try await online.run()
    }

    /// `model` as a local directory: an existing directory wins; a path-like string that names
    /// none is an error; anything else is left to be a repo id (nil).
    static func localDirectory(_ model: String) throws -> URL? {
        let expanded: String
        if model == "~" || model.hasPrefix("~/") {
            expanded = NSHomeDirectory() + model.dropFirst()
        } else {
            expanded = model
        }
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: expanded, isDirectory: &isDirectory), isDirectory.boolValue {
            return URL(fileURLWithPath: expanded, isDirectory: true)
        }
        let pathLike = ["/", "./", "../", "~"].contains { model.hasPrefix($0) } || model == "." || model == ".."
        if pathLike { throw HubError.noSuchModelDirectory(path: model) }
        return nil
    }

    /// Offline: `refs/{revision}` (or the revision itself when it is a commit) names the snapshot,
    /// which must hold everything the model needs. No network at all.
    static func cachedSnapshot(cache: HubCache, revision: String, settings: HubSettings) throws -> URL {
        func missing(_ detail: String) -> HubError {
            .offlineSnapshotMissing(
                repo: cache.repo.rawValue, revision: revision, cacheDirectory: settings.cacheDirectory.path,
                detail: detail)
        }
        let commit: String
        if let fromRef = cache.readRef(revision) {
            commit = fromRef
        } else if HubNames.isCommitHash(revision) {
            commit = revision
        } else {
            throw missing("no \(cache.ref(revision).path)")
        }
        let snapshot = cache.snapshot(commit: commit)
        guard FileManager.default.fileExists(atPath: snapshot.path) else { throw missing("no \(snapshot.path)") }
        if let problem = ModelFiles.missingParts(in: snapshot) { throw missing("\(snapshot.path): \(problem)") }
        return snapshot
    }
}

/// Resolving against the Hub: the revision's commit and file list, then each needed file into the
/// cache, then the ref. Falls back to a complete cached snapshot when the Hub cannot be reached.
private struct OnlineResolution {
    let api: HubAPI
    let cache: HubCache
    let revision: String
    let progress: ProgressOutput
    let observer: DownloadObserver?

    private enum Lookup {
        case revision(RevisionInfo)
        case cachedSnapshot(URL)
    }

    func run() async throws -> URL {
        let info: RevisionInfo
        switch try await lookUpRevision() {
        case .revision(let found): info = found
        case .cachedSnapshot(let snapshot):
            try await BlobVerifier.verify(snapshot: snapshot, cache: cache, logger: api.logger)
            return snapshot
        }
        let into = api.settings.cacheDirectory.path
        api.logger.info("resolving \(api.repo) at revision '\(revision)' (commit \(info.commit)) into \(into)")
        try await fetchFiles(of: info)
        let snapshot = cache.snapshot(commit: info.commit)
        try await BlobVerifier.verify(snapshot: snapshot, cache: cache, logger: api.logger)
        try cache.writeRef(revision, commit: info.commit)
        cache.tagCacheDirectory()
        return snapshot
    }

    private func lookUpRevision() async throws -> Lookup {
        do {
            return .revision(try await api.revisionInfo(revision))
        } catch let error as HubError {
            // As huggingface_hub does: when the Hub cannot be reached, a complete cached snapshot still serves.
            guard case .network = error,
                let snapshot = try? ModelResolver.cachedSnapshot(
                    cache: cache, revision: revision, settings: api.settings)
            else { throw error }
            api.logger.warning("\(error); using the cached snapshot \(snapshot.path)")
            return .cachedSnapshot(snapshot)
        }
    }

    /// config.json and the tokenizer files, then the weights (and, when sharded, every shard).
    private func fetchFiles(of info: RevisionInfo) async throws {
        let fetcher = SnapshotFetcher(
            api: api, cache: cache, commit: info.commit,
            downloader: FileDownloader(api: api, progress: progress, observer: observer))
        let plan = try filePlan(info)
        for file in plan.files { try await fetcher.ensure(file) }
        try await fetcher.ensure(plan.weights.file)
        if case .sharded(let index) = plan.weights {
            try await fetchShards(listedIn: index, info: info, fetcher: fetcher)
        }
    }

    private func filePlan(_ info: RevisionInfo) throws -> ModelFiles.Plan {
        switch ModelFiles.plan(available: info.files) {
        case .success(let plan):
            return plan
        case .failure(.missing(let name)):
            throw HubError.fileNotFound(repo: api.repo.rawValue, revision: revision, path: name)
        case .failure(.noWeights):
            throw HubError.noSupportedWeights(repo: api.repo.rawValue, revision: revision, files: info.files.sorted())
        }
    }

    /// Every shard the (already fetched) index names, each checked to be a file of the repo.
    private func fetchShards(listedIn index: String, info: RevisionInfo, fetcher: SnapshotFetcher) async throws {
        let data = try Data(contentsOf: cache.pointer(commit: info.commit, path: index))
        let available = Set(info.files)
        for shard in try ModelFiles.shards(indexData: data, indexName: index) {
            try HubNames.validateRepoFilePath(shard, repo: api.repo)
            guard available.contains(shard) else {
                throw HubError.fileNotFound(repo: api.repo.rawValue, revision: revision, path: shard)
            }
            try await fetcher.ensure(shard)
        }
    }
}
