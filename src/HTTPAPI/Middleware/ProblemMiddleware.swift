import EventStoreCore
import Hummingbird
import Logging

/// Turns every error into an RFC 9457 problem+json response. Added first, so it also covers unknown routes (404)
/// and wrong methods (405).
struct ProblemMiddleware<Context: RequestContext>: RouterMiddleware {
    let routes: RouteTable

    func handle(
        _ request: Request,
        context: Context,
        next: @concurrent (Request, Context) async throws -> Response
    ) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as EventStoreError {
            var problem = ProblemDetails(error)
            problem.instance = request.uri.path
            if problem.status == .internalServerError {
                context.logger.error("Request failed", metadata: ["error": "\(error)"])
            }
            return problem.response()
        } catch let error as APIProblem {
            var problem = ProblemDetails(status: error.status, detail: error.detail)
            problem.instance = request.uri.path
            problem.headers = error.headers
            return problem.response()
        } catch let error as any HTTPResponseError {
            return self.problem(for: error.status, request: request).response()
        } catch {
            context.logger.error("Unexpected error", metadata: ["error": "\(String(reflecting: error))", "path": "\(request.uri.path)"])
            var problem = ProblemDetails(status: .internalServerError, detail: "the server failed to handle the request")
            problem.instance = request.uri.path
            return problem.response()
        }
    }

    private func problem(for status: HTTPResponse.Status, request: Request) -> ProblemDetails {
        var problem: ProblemDetails
        switch status {
        case .notFound:
            let allowed = self.routes.allowedMethods(forPath: request.uri.path)
            if allowed.isEmpty {
                problem = ProblemDetails(status: .notFound, detail: "no route matches \(request.method) \(request.uri.path)")
            } else {
                let names = allowed.map(\.rawValue).sorted().joined(separator: ", ")
                problem = ProblemDetails(status: .methodNotAllowed, detail: "\(request.method) is not allowed here; allowed: \(names)")
                problem.headers[.allow] = names
            }
        case .contentTooLarge:
            problem = ProblemDetails(status: status, detail: "the request body is larger than this server accepts")
        default:
            problem = ProblemDetails(status: status, detail: status.reasonPhrase)
        }
        problem.instance = request.uri.path
        return problem
    }
}
