import DatasetAnalysis
import DatasetCatalog
import DatasetIO
import DatasetPipeline
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// The JSON API (described by `/openapi.yaml`): every page reads and writes through it.
enum APIRoutes {
    static func add(to router: Router<BasicRequestContext>, app: WebApp) {
        router.get("/openapi.yaml") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "application/yaml; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: StaticFiles.openAPI)))
        }
        router.get("/api/session") { _, _ in
            JSONResponse.make(
                SessionInfo(csrfToken: app.policy.csrfToken, library: app.library.root, version: app.configuration.toolVersion))
        }
        router.get("/api/images") { request, _ in
            PageJSON.response(try await gallery(app, try GalleryQuery(request.uri.queryParameters)))
        }
        router.get("/api/images/{id}") { request, context in
            let query = try GalleryQuery(request.uri.queryParameters)
            return JSONResponse.make(try await detail(app, id: try context.parameters.require("id"), neighboursIn: query))
        }
        router.post("/api/images/{id}") { request, context in
            let id = try context.parameters.require("id")
            let edit = try await request.decode(as: ImageEdit.self, context: context)
            try await apply(edit, to: id, app: app)
            return JSONResponse.make(try await detail(app, id: id))
        }
        router.post("/api/images/{id}/trash") { _, context in
            let image = try await app.image(try context.parameters.require("id"))
            let edit = try await app.editor.trash(.paths([image.path]))
            await app.changed()
            return JSONResponse.make(DecisionResult(kept: nil, trashed: edit.images, separated: []))
        }
        router.get("/api/tags") { request, _ in
            let prefix = (request.uri.queryParameters.get("prefix") ?? "").lowercased()
            let limit = min(50, max(1, Int(request.uri.queryParameters.get("limit") ?? "") ?? 10))
            let all = try await app.caches.tagCounts(app.store)
            return JSONResponse.make(Array(all.filter { prefix.isEmpty || $0.tag.lowercased().hasPrefix(prefix) }.prefix(limit)))
        }
        router.get("/api/duplicates") { request, _ in
            let all = request.uri.queryParameters.get("all") == "true"
            return JSONResponse.make(try await duplicateGroups(app, all: all))
        }
        router.post("/api/duplicates/{group}/keep") { request, context in
            let group = try groupNumber(context)
            let body = try await request.decode(as: KeepRequest.self, context: context)
            let review = try await findGroup(app, group)
            let keep = try ImageID.path(body.keep)
            guard review.members.contains(where: { $0.path == keep }) else {
                throw APIError(.badRequest, "the image to keep is not in duplicate group \(group)")
            }
            let others = try await app.editor.keep(keep)
            let trashed = others.isEmpty ? [] : try await app.editor.trash(.paths(others)).images
            await app.changed()
            return JSONResponse.make(DecisionResult(kept: keep, trashed: trashed, separated: []))
        }
        router.post("/api/duplicates/{group}/not-duplicates") { _, context in
            let group = try groupNumber(context)
            let review = try await findGroup(app, group)
            let paths = review.members.map(\.path)
            try await app.editor.markNotDuplicates(paths)
            _ = try await LibraryIndexer.sync(app.library, into: app.store)
            await app.changed()
            return JSONResponse.make(DecisionResult(kept: nil, trashed: [], separated: paths))
        }
        router.get("/api/trash") { _, _ in
            JSONResponse.make(app.editor.trashed().map { TrashEntry(path: $0) })
        }
        router.post("/api/trash/restore") { request, context in
            let body = try await request.decode(as: PathsRequest.self, context: context)
            guard !body.paths.isEmpty else { throw APIError(.badRequest, "name the trashed paths to restore") }
            let trashed = Set(app.editor.trashed())
            for path in body.paths where !trashed.contains(path) {
                throw APIError(.notFound, "\(path.prefix(200)) is not in the trash", remedy: "take paths from /api/trash")
            }
            let restored = try await app.editor.restore(body.paths)
            // Restored files go back into the index through a scan (their records may be gone).
            let job = try await app.jobs.start(.update)
            return JSONResponse.make(RestoreResult(restored: restored, job: job))
        }
        router.get("/api/overview") { _, _ in
            JSONResponse.make(try await app.caches.overview(app.library, store: app.store))
        }
        router.get("/api/overview/plots/{name}") { _, context in
            let name = try context.parameters.require("name")
            let overview = try await app.caches.overview(app.library, store: app.store)
            guard name.hasSuffix(".svg"), let svg = overview.svgs[String(name.dropLast(4))] else {
                throw APIError(.notFound, "there is no plot '\(name.prefix(80))'", remedy: "take plot names from /api/overview")
            }
            return Response(
                status: .ok, headers: [.contentType: "image/svg+xml; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: svg)))
        }
        JobRoutes.add(to: router, app: app)
    }

    static func gallery(_ app: WebApp, _ query: GalleryQuery) async throws -> ImagePage {
        let page = try await app.store.search(try query.parsed(), order: query.order, after: query.after, limit: query.limit)
        return ImagePage(
            images: page.hits.map(ImageSummary.init), next: page.next.map(CursorText.make), query: query.queryText,
            order: query.order.rawValue)
    }

    /// An image's page content; with `query`, also its neighbours in that query and order.
    static func detail(_ app: WebApp, id: String, neighboursIn query: GalleryQuery? = nil) async throws -> ImageDetail {
        let image = try await app.image(id)
        let neighbours = try await query.asyncMap { try await app.store.neighbours(of: image, try $0.parsed(), order: $0.order) }
        let sidecar = try await image.sha256.asyncMap { try await app.store.sidecar(sha256: $0) } ?? nil
        let hit = CatalogHit(
            path: image.path, sha256: image.sha256, width: image.record.width, height: image.record.height,
            format: image.record.format, captureDate: image.capture?.local, captureSource: image.capture?.source.rawValue,
            quality: image.quality, status: sidecar?.status ?? .active, rating: sidecar?.rating,
            tags: sidecar?.tags.map(\.text) ?? [], caption: sidecar?.caption, duplicateGroup: image.duplicateGroup,
            fileSizeBytes: image.record.fileSizeBytes)
        return ImageDetail(
            image: ImageSummary(hit), record: image.record,
            capture: image.capture.map { .init(local: $0.local, source: $0.source.rawValue, confidence: $0.source.confidence.rawValue) },
            findings: ImageDetail.findings(image.record),
            sidecar: .init(
                tags: sidecar?.tags.map(\.text) ?? [], caption: sidecar?.caption, status: (sidecar?.status ?? .active).rawValue,
                rating: sidecar?.rating, keeper: sidecar?.keeper ?? false),
            previous: neighbours?.previous.map { ImageID.make($0.path) }, next: neighbours?.next.map { ImageID.make($0.path) })
    }

    static let maxTagLength = 200
    static let maxCaptionLength = 10_000

    static func apply(_ edit: ImageEdit, to id: String, app: WebApp) async throws {
        let image = try await app.image(id)
        let status = try edit.status.map { text in
            guard let status = ImageStatus(rawValue: text) else {
                throw APIError(
                    .badRequest, "unknown status '\(text.prefix(40))'",
                    remedy: "one of \(ImageStatus.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return status
        }
        if let rating = edit.rating, !(0...5).contains(rating) {
            throw APIError(.badRequest, "the rating must be from 0 to 5 (got \(rating))")
        }
        let add = (edit.addTags ?? []).map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }
        let remove = Set(edit.removeTags ?? [])
        for tag in add where tag.count > maxTagLength || tag.contains(where: \.isNewline) {
            throw APIError(.badRequest, "a tag must be one line of at most \(maxTagLength) characters")
        }
        if let caption = edit.caption, caption.count > maxCaptionLength {
            throw APIError(.badRequest, "the caption is longer than \(maxCaptionLength) characters")
        }
        let caption = edit.caption
        let rating = edit.rating
        try await app.editor.edit(.paths([image.path])) { sidecar, _ in
            sidecar.tags.removeAll { remove.contains($0.text) }
            for text in add {
                let tag = Tag(parsing: text)
                if !sidecar.tags.contains(where: { $0.text == tag.text }) { sidecar.tags.append(tag) }
            }
            if let caption { sidecar.caption = caption.isEmpty ? nil : caption }
            if let status { sidecar.status = status }
            if let rating { sidecar.rating = rating == 0 ? nil : rating }
        }
        await app.changed()
    }

    static func groupNumber(_ context: BasicRequestContext) throws -> Int {
        let text = try context.parameters.require("group")
        guard let group = Int(text) else { throw APIError(.notFound, "there is no duplicate group '\(text.prefix(40))'") }
        return group
    }

    static func findGroup(_ app: WebApp, _ group: Int) async throws -> DuplicateReview {
        guard let review = try await app.editor.duplicateGroups().first(where: { $0.group == group }) else {
            throw APIError(.notFound, "there is no duplicate group \(group)", remedy: "take groups from /api/duplicates")
        }
        return review
    }

    static func duplicateGroups(_ app: WebApp, all: Bool) async throws -> [DuplicateGroupView] {
        try await app.editor.duplicateGroups().filter { all || !$0.decided }.map {
            DuplicateGroupView(
                group: $0.group, decided: $0.decided, keeper: $0.keeper.map { ImageID.make($0.path) },
                members: $0.members.map(ImageSummary.init))
        }
    }
}

struct RestoreResult: Encodable, Sendable {
    var restored: [String]
    var job: WebJob
}

extension Optional {
    func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let value = self else { return nil }
        return try await transform(value)
    }
}
