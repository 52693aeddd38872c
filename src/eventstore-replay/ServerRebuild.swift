import AsyncHTTPClient
import EventStoreCore
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import NIOSSL

import Foundation

/// `eventstore-replay --server URL`: asks a running server to rebuild (`POST .../rebuild`) and follows the
/// projection's summary until the new generation is served.
struct ServerRebuild {
    let url: String
    let token: String?
    let caFile: String?
    let topic: TopicName
    let display: ProgressDisplay

    func run(_ projection: ProjectionName?) async throws {
        var configuration = HTTPClient.Configuration()
        configuration.timeout.connect = .seconds(5)
        if let caFile {
            var tls = TLSConfiguration.makeClientConfiguration()
            tls.trustRoots = .file(caFile)
            configuration.tlsConfiguration = tls
        }
        let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
        do {
            try await self.rebuild(projection, client: client)
            try await client.shutdown()
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    private func rebuild(_ projection: ProjectionName?, client: HTTPClient) async throws {
        let base = self.url.hasSuffix("/") ? String(self.url.dropLast()) : self.url
        var names: [String]
        if let projection {
            names = [projection.rawValue]
        } else {
            let list = try await self.send(client, .GET, "\(base)/topics/\(self.topic)/projections")
            names = ((list["projections"] as? [[String: Any]]) ?? []).compactMap { $0["name"] as? String }
            if names.isEmpty {
                self.display.note("topic '\(self.topic)' has no projections: nothing to rebuild")
                return
            }
        }
        for name in names {
            let path = "\(base)/topics/\(self.topic)/projections/\(name)"
            let before = try await self.send(client, .GET, path)["generation"] as? Int ?? 0
            _ = try await self.send(client, .POST, path + "/rebuild", accepting: [202])
            self.display.start(try ProjectionName(name))
            while true {
                try await Task.sleep(for: .milliseconds(200))
                let summary = try await self.send(client, .GET, path + "?limit=1")
                let checkpoint = summary["checkpoint"] as? Int ?? 0
                let head = checkpoint + (summary["lag"] as? Int ?? 0)
                if let rebuild = summary["rebuild"] as? [String: Any] {
                    self.display.update(Int64(rebuild["checkpoint"] as? Int ?? 0), of: Int64(head))
                    continue
                }
                let generation = summary["generation"] as? Int ?? 0
                if generation > before {
                    self.display.finish(try ProjectionName(name), generation: Int64(generation), checkpoint: Int64(checkpoint))
                    break
                }
                self.display.abandon()
                let reason = summary["rebuild_error"] as? String ?? summary["last_error"] as? String ?? "the server stopped the rebuild"
                throw EventStoreError(.storageUnavailable, "projection '\(name)' of topic '\(self.topic)': \(reason)")
            }
        }
    }

    /// Sends a request; answers other than `accepting` fail with the problem's detail.
    private func send(_ client: HTTPClient, _ method: HTTPMethod, _ url: String, accepting: Set<Int> = [200]) async throws -> [String: Any] {
        var request = HTTPClientRequest(url: url)
        request.method = method
        if let token { request.headers.add(name: "authorization", value: "Bearer \(token)") }
        let response: HTTPClientResponse
        do {
            response = try await client.execute(request, timeout: .seconds(30))
        } catch {
            throw EventStoreError(.storageUnavailable, "cannot reach the server at \(self.url): \(error)")
        }
        let body = try await response.body.collect(upTo: 16 << 20)
        let json = (try? JSONSerialization.jsonObject(with: Data(buffer: body))) as? [String: Any] ?? [:]
        guard accepting.contains(Int(response.status.code)) else {
            let detail = json["detail"] as? String ?? "HTTP \(response.status.code)"
            throw EventStoreError(.storageUnavailable, "the server answered \(response.status.code) for \(method) \(url): \(detail)")
        }
        return json
    }
}
