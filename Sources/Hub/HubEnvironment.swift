// Hub settings from the environment, resolved in one place and the way Python's huggingface_hub
// resolves them (constants.py), so both tools agree on the endpoint, the token and the cache.
import Foundation

public struct HubSettings: Sendable {
    public static let defaultEndpoint = URL(string: "https://huggingface.co")!

    /// `HF_ENDPOINT` without a trailing `/`; default https://huggingface.co.
    public var endpoint: URL {
        didSet { endpointProblem = nil }  // set by the caller: whatever HF_ENDPOINT said no longer matters
    }
    /// `HF_TOKEN`, else `HUGGING_FACE_HUB_TOKEN`, else the file `hf auth login` writes
    /// (`HF_TOKEN_PATH`, default `$HF_HOME/token`). Never logged: `description` redacts it.
    public var token: String?
    /// `HF_HUB_OFFLINE` (or, when that is unset, `TRANSFORMERS_OFFLINE`) is 1/true/yes/on.
    public var offline: Bool
    /// `HF_HUB_CACHE`, else `HUGGINGFACE_HUB_CACHE`, else `$HF_HOME/hub`, where `HF_HOME` defaults
    /// to `$XDG_CACHE_HOME/huggingface`, else `~/.cache/huggingface`.
    public var cacheDirectory: URL
    /// Set when `HF_ENDPOINT` is not an http(s) URL; resolving then fails instead of guessing.
    var endpointProblem: String?

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        let variables = EnvironmentReader(environment)

        if let raw = variables["HF_ENDPOINT"] {
            let trimmed = String(raw.reversed().drop { $0 == "/" }.reversed())
            if let url = URL(string: trimmed), let scheme = url.scheme?.lowercased(),
                scheme == "http" || scheme == "https", url.host != nil
            {
                endpoint = url
            } else {
                endpoint = Self.defaultEndpoint
                endpointProblem = raw
            }
        } else {
            endpoint = Self.defaultEndpoint
        }

        let cacheHome = variables["XDG_CACHE_HOME"] ?? variables.homeDirectory + "/.cache"
        let hfHome = variables.expand(variables["HF_HOME"] ?? cacheHome + "/huggingface")
        let hubCache = variables.expand(
            variables["HF_HUB_CACHE"] ?? variables["HUGGINGFACE_HUB_CACHE"] ?? hfHome + "/hub")
        cacheDirectory = URL(fileURLWithPath: hubCache, isDirectory: true).standardizedFileURL

        let offlineValue = variables["HF_HUB_OFFLINE"] ?? variables["TRANSFORMERS_OFFLINE"]
        offline = offlineValue.map { ["1", "ON", "YES", "TRUE"].contains($0.uppercased()) } ?? false

        if let fromEnvironment = Self.cleanToken(variables["HF_TOKEN"] ?? variables["HUGGING_FACE_HUB_TOKEN"]) {
            token = fromEnvironment
        } else {
            let tokenPath = variables.expand(variables["HF_TOKEN_PATH"] ?? hfHome + "/token")
            token = Self.cleanToken(try? String(contentsOfFile: tokenPath, encoding: .utf8))
        }
    }

    /// As huggingface_hub's `_clean_token`: line breaks removed, blanks trimmed, empty is none.
    private static func cleanToken(_ raw: String?) -> String? {
        guard let raw else { return nil }
        let cleaned = raw.replacingOccurrences(of: "\r", with: "").replacingOccurrences(of: "\n", with: "")
            .trimmingCharacters(in: .whitespaces)
        return cleaned.isEmpty ? nil : cleaned
    }
}

extension HubSettings: CustomStringConvertible {
    /// Safe to log: the token shows only as set or not.
    public var description: String {
        "endpoint=\(endpoint.absoluteString) token=\(token == nil ? "(none)" : "(set, redacted)") "
            + "offline=\(offline) cache=\(cacheDirectory.path)"
    }
}

/// Environment lookups with Python's `expanduser` + `expandvars` for path values. Empty values
/// count as unset, so `HF_HOME=` does not point the cache at the working directory.
struct EnvironmentReader {
    let environment: [String: String]

    init(_ environment: [String: String]) {
        self.environment = environment
    }

    subscript(name: String) -> String? {
        guard let value = environment[name], !value.isEmpty else { return nil }
        return value
    }

    var homeDirectory: String {
        self["HOME"] ?? NSHomeDirectory()
    }

    /// `~` and `~/…` become the home directory; `$NAME` and `${NAME}` are replaced when set and
    /// left as written when not (as `os.path.expandvars` does).
    func expand(_ path: String) -> String {
        var result = path
        if result == "~" {
            result = homeDirectory
        } else if result.hasPrefix("~/") {
            result = homeDirectory + result.dropFirst()
        }
        return expandVariables(result)
    }

    private func expandVariables(_ text: String) -> String {
        guard text.contains("$") else { return text }
        var output = ""
        var rest = Substring(text)
        while let dollar = rest.firstIndex(of: "$") {
            output += rest[..<dollar]
            let afterDollar = rest[rest.index(after: dollar)...]
            var name: Substring
            var end: Substring.Index
            if afterDollar.first == "{", let close = afterDollar.firstIndex(of: "}") {
                name = afterDollar[afterDollar.index(after: afterDollar.startIndex)..<close]
                end = afterDollar.index(after: close)
            } else {
                let nameEnd =
                    afterDollar.firstIndex { !($0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_")) }
                    ?? afterDollar.endIndex
                name = afterDollar[..<nameEnd]
                end = nameEnd
            }
            if !name.isEmpty, let value = environment[String(name)] {
                output += value
            } else {
                output += rest[dollar..<end]
            }
            rest = rest[end...]
        }
        return output + rest
    }
}
