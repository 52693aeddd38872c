import EventStoreTesting
import Foundation
import Testing

/// Checks callback signatures with the reference implementation of the Standard Webhooks specification, the
/// `standardwebhooks` Python package (`pip install standardwebhooks`; `.ci/run` installs it): not the project's own
/// code.
enum ReferenceWebhookVerifier {
    static let script = """
        import json, sys
        from standardwebhooks import Webhook
        request = json.load(sys.stdin)
        hook = Webhook(request["secret"])
        for delivery in request["deliveries"]:
            headers = {"webhook-id": delivery["id"], "webhook-timestamp": delivery["timestamp"], "webhook-signature": delivery["signature"]}
            hook.verify(delivery["body"], headers)
            try:
                hook.verify(delivery["body"] + " ", headers)
            except Exception:
                pass
            else:
                sys.exit("a tampered body verified")
        print(len(request["deliveries"]))
        """

    /// Expects every delivery's signature to verify with `secret`. Without the package the check is skipped with a
    /// message, except under CI (`CI` set), where it must run.
    static func expectVerified(_ deliveries: [WebhookReceiver.Delivery], secret: String) async throws {
        guard await ExternalTool.pythonModuleIsAvailable("standardwebhooks") else {
            print("note: signatures not checked by the reference verifier; pip install standardwebhooks to check them")
            return
        }
        #expect(try await self.verify(deliveries, secret: secret) == deliveries.count)
    }

    /// Verifies every delivery's signature with `secret`.
    /// - Returns: the number of deliveries verified.
    /// - Throws: when one fails to verify (the output says which and why).
    static func verify(_ deliveries: [WebhookReceiver.Delivery], secret: String) async throws -> Int {
        let request: [String: Any] = [
            "secret": secret,
            "deliveries": deliveries.map { ["id": $0.webhookID, "timestamp": $0.timestamp, "signature": $0.signature, "body": $0.body] },
        ]
        let input = try JSONSerialization.data(withJSONObject: request)
        let (status, output) = try await ExternalTool.run(["python3", "-c", Self.script], input: input)
        guard status == 0, let count = Int(output.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw VerificationFailed(output: output)
        }
        return count
    }

    struct VerificationFailed: Error, CustomStringConvertible {
        var output: String
        var description: String { "the reference verifier refused a signature:\n\(self.output)" }
    }
}
