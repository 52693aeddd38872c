import EventStoreTesting
import Foundation
import Testing

/// The deployment and workstation files under `infra/` (Dockerfiles, Compose files, Kubernetes manifests, shell
/// scripts, example topics) checked by `infra/checks/static-checks.sh`: no Docker engine or cluster runs here, so they
/// are checked statically (hadolint, the Compose schema, Kubernetes' schemas, shellcheck). Without the checkers the
/// test is skipped with a message; under CI (`CI` set) the script fails on a missing one.
@Suite("Deployment files")
struct DeploymentFilesTests {
    static let root = #filePath.components(separatedBy: "/test/")[0]

    @Test func passTheirStaticChecks() async throws {
        let (status, output) = try await ExternalTool.run(["bash", Self.root + "/infra/checks/static-checks.sh"])
        if status == 77 {
            print("note: the files under infra/ were not checked: \(output.split(separator: "\n").last ?? ""); run infra/workstation/setup-debian.sh to install the checkers")
            return
        }
        #expect(status == 0, "\(output)")
        #expect(output.contains(" 0 failed"), "\(output)")
    }
}
