public import DatasetAnalysis
import Foundation

/// Reads the annotations of a YOLO, COCO or Pascal VOC dataset.
public enum AnnotationReader {
    public struct Result: Sendable {
        public var format: String
        public var annotated: [AnnotatedImage]
        /// Image files on disk, relative to the root.
        public var imageFiles: [String]
        public var classNames: [String]
        /// The annotation files read (data.yaml, label files, COCO JSON, VOC XML): outputs
        /// must not overwrite them.
        public var inputFiles: [String] = []
    }

    /// Where the reader looks, for the message when it finds nothing.
    public static let layoutsLookedFor =
        "YOLO (data.yaml with labels/, or train/images + train/labels as Roboflow and Ultralytics export), COCO (annotations/*.json, or _annotations.coco.json in the folder or its split folders) and Pascal VOC (Annotations/ + JPEGImages/)"

    /// Reads `root` as `format` ("yolo", "coco", "voc"), or as the detected format when nil.
    ///
    /// - Parameter annotationFiles: COCO annotation files named by the user (any name, in
    ///   or outside `root`); they replace the ones detection would find.
    /// - Throws: ``DatasetIOError`` naming the layouts looked for when no annotation is found.
    public static func read(_ root: String, format: String?, annotationFiles: [String] = []) throws(DatasetIOError) -> Result {
        let discovery = try Discovery.discover(roots: [root], extensions: Discovery.defaultExtensions)
        let prefix = root.hasSuffix("/") ? root : root + "/"
        let files = discovery.files.map { String($0.path.display.dropFirst(prefix.count)) }
        var layout = DatasetDetector.detect(root, relativePaths: files)
        var chosen = format ?? layout.format
        // A dataset description that was refused (an alias bomb, nesting too deep) is an
        // error here: these statistics are all about the annotations.
        if let problem = layout.problems.first { throw DatasetIOError(.invalidFormat, problem) }
        if !annotationFiles.isEmpty {
            guard format == nil || format == "coco" else {
                throw DatasetIOError(
                    .invalidArgument, "the annotation files named are read as COCO JSON, but the format asked for is \(format ?? "")",
                    remedy: .annotationFilesAreCOCO)
            }
            layout.annotationPaths = []
            for file in annotationFiles {
                guard let coco = DatasetDetector.cocoFile(file) else {
                    throw DatasetIOError(
                        .invalidFormat,
                        "\(file) is not a COCO annotation file (a readable JSON object with \"images\" and \"annotations\", nested at most \(InputLimits.jsonDepth) levels)",
                        remedy: "check the path")
                }
                layout.annotationPaths.append(coco.path)
            }
            chosen = "coco"
        }
        let result: Result
        switch chosen {
        case "yolo":
            var yoloResult = yolo(prefix, files: files, classNames: layout.classNames)
            yoloResult.inputFiles += layout.descriptionPath.map { [$0] } ?? []
            result = yoloResult
        case "coco": result = coco(prefix, files: files, layout: layout)
        case "voc": result = voc(prefix, files: files, classNames: layout.classNames)
        default: result = Result(format: layout.format, annotated: [], imageFiles: files, classNames: [])
        }
        guard !result.annotated.isEmpty else {
            let how = format.map { "read as \($0.uppercased())" } ?? "detected: \(layout.format)"
            throw DatasetIOError(
                .noAnnotations, "no annotations found in \(root) (\(how)); looked for \(layoutsLookedFor)",
                remedy: .nameAnnotationFileOrFormat)
        }
        return result
    }

    static func yolo(_ prefix: String, files: [String], classNames: [String]) -> Result {
        // labels/…/x.txt mirrors images/…/x.jpg.
        func labelPath(_ image: String) -> String {
            var parts = image.split(separator: "/").map(String.init)
            if let i = parts.firstIndex(of: "images") { parts[i] = "labels" } else { parts.insert("labels", at: 0) }
            let last = parts[parts.count - 1]
            parts[parts.count - 1] = (last as NSString).deletingPathExtension + ".txt"
            return parts.joined(separator: "/")
        }
        var byLabel: [String: String] = [:]
        for image in files { byLabel[labelPath(image)] = image }
        var annotated: [AnnotatedImage] = []
        let labelFiles = DatasetDetector.yoloLabelFolders(prefix).flatMap { folder in
            (FileManager.default.enumerator(atPath: prefix + folder)?.allObjects as? [String] ?? [])
                .filter { $0.hasSuffix(".txt") }.map { folder + "/" + $0 }
        }.sorted()
        for label in labelFiles {
            let text = (try? String(contentsOfFile: prefix + label, encoding: .utf8)) ?? ""
            var boxes: [AnnotationBox] = []
            for (n, line) in text.split(whereSeparator: \.isNewline).enumerated() {
                let fields = line.split(separator: " ").compactMap { Double($0) }
                let source = "\(label):\(n + 1)"
                guard fields.count >= 5, fields.count == line.split(separator: " ").count else {
                    boxes.append(
                        AnnotationBox(className: nil, classID: nil, x: 0, y: 0, width: 0, height: 0, relative: true, source: source))
                    continue
                }
                let id = Int(fields[0])
                let name = classNames.indices.contains(id) ? classNames[id] : (classNames.isEmpty ? "class \(id)" : nil)
                var (x, y, w, h) = (fields[1] - fields[3] / 2, fields[2] - fields[4] / 2, fields[3], fields[4])
                if fields.count > 5 {
                    // A segmentation polygon: its bounding box.
                    let xs = stride(from: 1, to: fields.count, by: 2).map { fields[$0] }
                    let ys = stride(from: 2, to: fields.count, by: 2).map { fields[$0] }
                    x = xs.min() ?? 0
                    y = ys.min() ?? 0
                    w = (xs.max() ?? 0) - x
                    h = (ys.max() ?? 0) - y
                }
                boxes.append(AnnotationBox(className: name, classID: id, x: x, y: y, width: w, height: h, relative: true, source: source))
            }
            annotated.append(AnnotatedImage(image: byLabel[label] ?? label, width: nil, height: nil, boxes: boxes))
        }
        return Result(
            format: "yolo", annotated: annotated, imageFiles: files, classNames: classNames,
            inputFiles: labelFiles.map { prefix + $0 })
    }

    static func coco(_ prefix: String, files: [String], layout: DatasetLayout) -> Result {
        var byName: [String: String] = [:]
        for f in files { byName[(f as NSString).lastPathComponent] = f }
        var annotated: [AnnotatedImage] = []
        var names: [String] = []
        let onDisk = Set(files)
        for path in layout.annotationPaths {
            // Roboflow puts `_annotations.coco.json` beside the images of each split: a
            // file name is first looked for next to its annotation file.
            let jsonFolder = ManifestPaths.normalized(ManifestPaths.absolute(FileSystem.parentFolder(of: path))).withTrailingSlash
            let rootFolder = ManifestPaths.normalized(ManifestPaths.absolute(prefix)).withTrailingSlash
            let folder = jsonFolder.hasPrefix(rootFolder) ? String(jsonFolder.dropFirst(rootFolder.count)) : ""
            guard let data = FileManager.default.contents(atPath: path),
                let object = (try? InputLimits.jsonObject(data, name: path)) as? [String: Any]
            else { continue }
            var categories: [Int: String] = [:]
            for c in object["categories"] as? [[String: Any]] ?? [] {
                if let id = c["id"] as? Int, let name = c["name"] as? String {
                    categories[id] = name
                    if !names.contains(name) { names.append(name) }
                }
            }
            var images: [Int: AnnotatedImage] = [:]
            var order: [Int] = []
            for image in object["images"] as? [[String: Any]] ?? [] {
                guard let id = image["id"] as? Int, let name = image["file_name"] as? String else { continue }
                let resolved = onDisk.contains(folder + name) ? folder + name : byName[(name as NSString).lastPathComponent] ?? name
                images[id] = AnnotatedImage(image: resolved, width: image["width"] as? Int, height: image["height"] as? Int, boxes: [])
                order.append(id)
            }
            let file = (path as NSString).lastPathComponent
            for (n, a) in (object["annotations"] as? [[String: Any]] ?? []).enumerated() {
                guard let imageID = a["image_id"] as? Int else { continue }
                let category = a["category_id"] as? Int
                let bbox = (a["bbox"] as? [Any])?.compactMap { ($0 as? NSNumber)?.doubleValue } ?? []
                let box = AnnotationBox(
                    className: category.flatMap { categories[$0] }, classID: category,
                    x: bbox.count == 4 ? bbox[0] : 0, y: bbox.count == 4 ? bbox[1] : 0,
                    width: bbox.count == 4 ? bbox[2] : 0, height: bbox.count == 4 ? bbox[3] : 0,
                    relative: false, source: "\(file): annotation \(n)")
                if images[imageID] == nil {
                    images[imageID] = AnnotatedImage(image: "image id \(imageID)", width: nil, height: nil, boxes: [])
                    order.append(imageID)
                }
                images[imageID]?.boxes.append(box)
            }
            annotated += order.compactMap { images[$0] }
        }
        return Result(format: "coco", annotated: annotated, imageFiles: files, classNames: names, inputFiles: layout.annotationPaths)
    }

    static func voc(_ prefix: String, files: [String], classNames: [String]) -> Result {
        let folder = prefix + "Annotations"
        let xmlFiles = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { $0.hasSuffix(".xml") }.sorted()
        var annotated: [AnnotatedImage] = []
        for file in xmlFiles {
            guard let text = try? String(contentsOfFile: folder + "/" + file, encoding: .utf8) else { continue }
            let filename = VOCXML.first("filename", in: text[...]) ?? ((file as NSString).deletingPathExtension + ".jpg")
            let size = VOCXML.elements("size", in: text).first
            let width = size.flatMap { VOCXML.first("width", in: $0) }.flatMap { Int($0) }
            let height = size.flatMap { VOCXML.first("height", in: $0) }.flatMap { Int($0) }
            var boxes: [AnnotationBox] = []
            for (n, object) in VOCXML.elements("object", in: text).enumerated() {
                let name = VOCXML.first("name", in: object)
                let box = VOCXML.elements("bndbox", in: String(object)).first
                func value(_ tag: String) -> Double { box.flatMap { VOCXML.first(tag, in: $0) }.flatMap { Double($0) } ?? 0 }
                let (x0, y0, x1, y1) = (value("xmin"), value("ymin"), value("xmax"), value("ymax"))
                boxes.append(
                    AnnotationBox(
                        className: name, classID: nil, x: x0, y: y0, width: x1 - x0, height: y1 - y0,
                        relative: false, source: "Annotations/\(file): object \(n + 1)"))
            }
            annotated.append(AnnotatedImage(image: "JPEGImages/" + filename, width: width, height: height, boxes: boxes))
        }
        return Result(
            format: "voc", annotated: annotated, imageFiles: files, classNames: classNames,
            inputFiles: xmlFiles.map { folder + "/" + $0 })
    }
}

extension String {
    fileprivate var withTrailingSlash: String { hasSuffix("/") ? self : self + "/" }
}
