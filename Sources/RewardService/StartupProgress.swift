// What a starting service is waiting for, as /ready reports it before the models are in place:
// which model (by the name it will be served under), and its phase: resolving (cache or Hub),
// downloading (file, bytes done and total), loading the weights, warming the engine up; or, after
// a shutdown signal during start-up, stopping. Models are prepared one after another.
import Foundation
import Synchronization

public enum StartupPhase: Sendable, Equatable {
    case resolving
    case downloading(file: String, bytesDone: Int64, bytesTotal: Int64?)
    case loading
    case warmingUp
    /// A shutdown signal arrived before the service was ready.
    case stopping

    var name: String {
        switch self {
        case .resolving: "resolving"
        case .downloading: "downloading"
        case .loading: "loading"
        case .warmingUp: "warming_up"
        case .stopping: "stopping"
        }
    }
}

/// The current phase, set by the start-up sequence and read by the probes on the event loop.
public final class StartupProgress: Sendable {
    private struct State {
        var phase = StartupPhase.resolving
        /// The model the phase is about; nil until start-up names one.
        var model: String?
        /// When loading began: the model-load metric counts from here, not from the download.
        var loadingStarted: ContinuousClock.Instant?
    }

    private let state = Mutex(State())

    public init() {}

    public var current: StartupPhase { state.withLock { $0.phase } }

    /// The model start-up is preparing now.
    public var currentModel: String? { state.withLock { $0.model } }

    var loadingStarted: ContinuousClock.Instant? { state.withLock { $0.loadingStarted } }

    public func set(_ next: StartupPhase) {
        state.withLock { state in
            // Once stopping, a late progress report from the cancelled download does not undo it.
            guard state.phase != .stopping else { return }
            state.phase = next
            if next == .loading, state.loadingStarted == nil { state.loadingStarted = .now }
        }
    }

    /// Start-up moves on to `model` (its served name, or what `--model` gave), in `phase`.
    public func begin(model: String, _ phase: StartupPhase = .resolving) {
        state.withLock { state in
            guard state.phase != .stopping else { return }
            state.model = model
        }
        set(phase)
    }

    /// Called for every change of a download's progress (by the Hub client).
    public func downloading(file: String, bytesDone: Int64, bytesTotal: Int64?) {
        set(.downloading(file: file, bytesDone: bytesDone, bytesTotal: bytesTotal))
    }
}

/// The body of /ready's 503 during start-up.
struct StartupStatus: Codable, Sendable, Equatable {
    struct Download: Codable, Sendable, Equatable {
        var file: String
        var bytesDone: Int64
        var bytesTotal: Int64?

        enum CodingKeys: String, CodingKey {
            case file
            case bytesDone = "bytes_done"
            case bytesTotal = "bytes_total"
        }
    }

    var status: String
    var phase: String
    /// The model being prepared (absent before start-up names one).
    var model: String?
    var download: Download?

    init(_ phase: StartupPhase, model: String? = nil) {
        status = phase == .stopping ? "shutting_down" : "starting"
        self.phase = phase.name
        self.model = model
        if case .downloading(let file, let done, let total) = phase {
            download = Download(file: file, bytesDone: done, bytesTotal: total)
        }
    }
}
