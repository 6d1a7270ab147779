public import DatasetAnalysis
import Foundation
import Yams

/// How a dataset folder is organised: its format, splits and classes.
public struct DatasetLayout: Sendable, Hashable {
    /// "yolo", "coco", "voc", "classification" or "flat".
    public var format: String
    public var root: String
    /// Split names in canonical order (train, val, test, then others), with image counts.
    public var splits: [(name: String, images: Int)] {
        Self.ordered(splits: splitCounts.keys).map { ($0, splitCounts[$0] ?? 0) }
    }
    /// The splits with their image counts, as messages list them: "train (3), val (1)".
    public var splitList: String {
        splits.map { "\($0.name) (\(Plural.grouped($0.images)))" }.joined(separator: ", ")
    }
    public var splitCounts: [String: Int] = [:]
    /// Class names: from data.yaml (YOLO), categories (COCO), object names (VOC) or class folders.
    public var classNames: [String] = []
    /// Where annotations are: the labels folder (YOLO), annotation JSON files (COCO), the
    /// Annotations folder (VOC).
    public var annotationPaths: [String] = []
    /// The dataset description read (data.yaml), if any.
    public var descriptionPath: String?
    /// Files that could not be read, each with the reason (a damaged data.yaml or
    /// annotation file); detection went on without them.
    public var problems: [String] = []
    public var imageCount = 0
    /// Image path (relative to the root) → split, for layouts that list their splits in
    /// files (COCO annotation files, VOC ImageSets).
    var listedSplits: [String: String] = [:]
    /// The split of images whose path names none, when the folder itself is named as a
    /// split (`imgeda scan train val test`).
    public var rootSplit: String?

    public static func == (a: DatasetLayout, b: DatasetLayout) -> Bool {
        a.format == b.format && a.root == b.root && a.splitCounts == b.splitCounts && a.classNames == b.classNames
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(format)
        hasher.combine(root)
    }

    /// The split and class of an image, from its path relative to the root.
    public func labels(relativePath: String) -> (split: String?, className: String?) {
        let parts = relativePath.split(separator: "/").map(String.init)
        var split = listedSplits[relativePath] ?? listedSplits[parts.last ?? ""]
        var splitIndex: Int?
        if split == nil {
            for (i, part) in parts.dropLast().enumerated() {
                if let name = Self.canonicalSplit(part) {
                    split = name
                    splitIndex = i
                    break
                }
            }
        }
        if split == nil { split = rootSplit }
        var className: String?
        if format == "classification", parts.count >= 2 {
            // root/class/x.jpg or root/split/class/x.jpg: the folder right above the file.
            let folder = parts[parts.count - 2]
            if splitIndex != parts.count - 2 { className = folder }
        }
        return (split, className)
    }

    /// "train", "val" or "test" for the usual spellings of a split folder; nil otherwise.
    public static func canonicalSplit(_ name: String) -> String? {
        switch name.lowercased() {
        case "train", "training", "train2017", "train2014": return "train"
        case "val", "valid", "validation", "val2017", "val2014", "dev": return "val"
        case "test", "testing", "test2017", "test2014": return "test"
        default: return nil
        }
    }

    /// Split names in canonical order (train, val, test, then others alphabetically),
    /// without duplicates or the empty name.
    public static func ordered(splits names: some Sequence<String>) -> [String] {
        Set(names).filter { !$0.isEmpty }.sorted { (splitRank($0), $0) < (splitRank($1), $1) }
    }

    static func splitRank(_ name: String) -> Int {
        switch name {
        case "train": return 0
        case "val": return 1
        case "test": return 2
        default: return 3
        }
    }
}

/// Recognises YOLO (data.yaml), COCO (annotation JSON with images and annotations), Pascal
/// VOC (Annotations/ + JPEGImages/), classification (class folders, optionally under split
/// folders) and flat folders, in that order.
public enum DatasetDetector {
    public static func detect(_ root: String, extensions: [String] = Discovery.defaultExtensions) throws(DatasetIOError) -> DatasetLayout {
        let discovery = try Discovery.discover(roots: [root], extensions: extensions)
        let prefix = root.hasSuffix("/") ? root : root + "/"
        return detect(root, relativePaths: discovery.files.map { String($0.path.display.dropFirst(prefix.count)) })
    }

    /// Detects the layout from image paths already discovered (relative to `root`).
    ///
    /// - Parameter rootSplit: the split of images whose path names none, for a folder that
    ///   is itself one split of a dataset scanned folder by folder (see ``splitOfRoot(_:among:)``).
    public static func detect(_ root: String, relativePaths relative: [String], rootSplit: String? = nil) -> DatasetLayout {
        let prefix = root.hasSuffix("/") ? root : root + "/"
        var layout = DatasetLayout(format: "flat", root: root)
        layout.rootSplit = rootSplit
        layout.imageCount = relative.count
        let fm = FileManager.default

        if let yaml = ["data.yaml", "data.yml", "dataset.yaml"].map({ prefix + $0 }).first(where: fm.fileExists) {
            layout.format = "yolo"
            layout.descriptionPath = yaml
            do { layout.classNames = try yoloClassNames(yaml) } catch { layout.problems.append("\(error)") }
            layout.annotationPaths = yoloLabelFolders(prefix).map { prefix + $0 }
        } else if let cocoFiles = cocoAnnotationFiles(prefix, problems: &layout.problems), !cocoFiles.isEmpty {
            layout.format = "coco"
            layout.annotationPaths = cocoFiles.map(\.path)
            var names: [String] = []
            for file in cocoFiles {
                for n in file.categories where !names.contains(n) { names.append(n) }
                if let split = file.split {
                    for image in file.images {
                        layout.listedSplits[image] = split
                        layout.listedSplits[(image as NSString).lastPathComponent] = split
                    }
                }
            }
            layout.classNames = names
        } else if fm.fileExists(atPath: prefix + "Annotations") && fm.fileExists(atPath: prefix + "JPEGImages") {
            layout.format = "voc"
            layout.annotationPaths = [prefix + "Annotations"]
            for split in ["train", "val", "test", "trainval"] {
                guard split != "trainval",
                    let text = try? String(contentsOfFile: prefix + "ImageSets/Main/\(split).txt", encoding: .utf8)
                else { continue }
                for id in text.split(whereSeparator: \.isNewline) {
                    let name = id.split(separator: " ").first.map(String.init) ?? ""
                    for ext in ["jpg", "jpeg", "png"] { layout.listedSplits["\(name).\(ext)"] = split }
                }
            }
            layout.classNames = vocClassNames(prefix + "Annotations")
        } else {
            var folders = ClassFolders()
            for path in relative { folders.add(path) }
            folders.apply(to: &layout)
        }
        for path in relative {
            if let split = layout.labels(relativePath: path).split { layout.splitCounts[split, default: 0] += 1 }
        }
        return layout
    }

    /// The layout of keys under an object-storage prefix, judged as they were listed: there
    /// are no annotation files to read, so it is class folders (``ClassFolders``) or flat;
    /// splits come from each key's folders (``DatasetLayout/labels(relativePath:)``).
    public static func keyLayout(_ root: String, classFolders: ClassFolders = ClassFolders()) -> DatasetLayout {
        var layout = DatasetLayout(format: "flat", root: root)
        classFolders.apply(to: &layout)
        return layout
    }

    /// The split a scanned folder stands for: with several folders given (`imgeda scan train
    /// val test`), each one named as a split (`train`, `valid`, `test2017`, …) is that split.
    /// A single folder is a dataset of its own, whatever its name.
    public static func splitOfRoot(_ root: String, among roots: [String]) -> String? {
        guard roots.count > 1 else { return nil }
        return DatasetLayout.canonicalSplit((root as NSString).lastPathComponent)
    }

    /// Class names from a YOLO data.yaml: `names` as a list or as a mapping of ids to names,
    /// or `nc` generic names. Throws for a file too large, too deep or an alias bomb.
    static func yoloClassNames(_ path: String) throws(DatasetIOError) -> [String] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [] }
        let document: Node?
        do {
            document = try InputLimits.composeYAML(text, name: path)
        } catch let error as DatasetIOError {
            throw error
        } catch {
            return []  // not YAML: no class names, as before
        }
        guard let document else { return [] }
        switch document["names"] {
        case .sequence(let items)?:
            let names = items.compactMap(\.string)
            return names.count == items.count ? names : []
        case .mapping(let pairs)?:
            var byID: [Int: String] = [:]
            for (key, value) in pairs {
                guard let id = key.int, let name = value.string else { return [] }
                byID[id] = name
            }
            return byID.keys.sorted().compactMap { byID[$0] }
        default:
            // Generic names for `nc`, within reason: a hostile count must not allocate billions.
            if let count = document["nc"]?.int, (0...100_000).contains(count) { return (0..<count).map { "class\($0)" } }
            return []
        }
    }

    struct CocoFile {
        var path: String
        var split: String?
        var categories: [String]
        var images: [String]
    }

    /// YOLO label folders, relative to the root: `labels/` (with split folders inside or
    /// not) and `<split>/labels/` (the Roboflow and Ultralytics export layout).
    static func yoloLabelFolders(_ prefix: String) -> [String] {
        var folders: [String] = []
        if isDirectory(prefix + "labels") { folders.append("labels") }
        for name in (try? FileManager.default.contentsOfDirectory(atPath: prefix))?.sorted() ?? []
        where DatasetLayout.canonicalSplit(name) != nil && isDirectory(prefix + name + "/labels") {
            folders.append(name + "/labels")
        }
        return folders
    }

    static func isDirectory(_ path: String) -> Bool {
        var directory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &directory) && directory.boolValue
    }

    /// COCO annotation files: every JSON file with images and annotations in `annotations/`,
    /// in the root, or in a split folder (Roboflow's `train/_annotations.coco.json`); nil
    /// when there is none of these places.
    static func cocoAnnotationFiles(_ prefix: String, problems: inout [String]) -> [CocoFile]? {
        let fm = FileManager.default
        var folders = ["annotations"].filter { isDirectory(prefix + $0) }
        for name in (try? fm.contentsOfDirectory(atPath: prefix))?.sorted() ?? []
        where DatasetLayout.canonicalSplit(name) != nil && isDirectory(prefix + name) {
            folders.append(name)
        }
        var files: [CocoFile] = []
        // The root last and only for names that say COCO: a dataset root often holds other JSON.
        for folder in folders + [""] {
            let path = folder.isEmpty ? String(prefix.dropLast()) : prefix + folder
            guard let names = try? fm.contentsOfDirectory(atPath: path) else { continue }
            for name in names.sorted() where name.lowercased().hasSuffix(".json") {
                if folder != "annotations" && !name.lowercased().contains("coco") && !name.lowercased().contains("instances") { continue }
                if let coco = cocoFile(path + "/" + name, problems: &problems) { files.append(coco) }
            }
        }
        return files
    }

    /// Reads one COCO annotation file's split (from its name), categories and image names;
    /// nil when it is not a JSON object with images and annotations.
    static func cocoFile(_ path: String) -> CocoFile? {
        var problems: [String] = []
        return cocoFile(path, problems: &problems)
    }

    /// A COCO file's images and categories; nil (with a problem noted when it is hostile)
    /// when the file is not COCO.
    static func cocoFile(_ path: String, problems: inout [String]) -> CocoFile? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        if InputLimits.jsonTooDeep(data) {
            problems.append("\(path): JSON nested more than \(InputLimits.jsonDepth) levels deep; not an annotation file (skipped)")
            return nil
        }
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            let images = object["images"] as? [[String: Any]], object["annotations"] is [Any]
        else { return nil }
        let categories = (object["categories"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
        let lower = (path as NSString).lastPathComponent.lowercased()
        let split = ["train", "val", "test"].first { lower.contains($0) }
        return CocoFile(
            path: path, split: split, categories: categories,
            images: images.compactMap { $0["file_name"] as? String })
    }

    static func vocClassNames(_ folder: String) -> [String] {
        guard let files = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return [] }
        var names = Set<String>()
        for file in files where file.hasSuffix(".xml") {
            guard let text = try? String(contentsOfFile: folder + "/" + file, encoding: .utf8) else { continue }
            for object in VOCXML.elements("object", in: text) {
                if let name = VOCXML.first("name", in: object) { names.insert(name) }
            }
        }
        return names.sorted()
    }
}

/// Just enough XML for Pascal VOC annotations: the text of simple, non-nested-by-name tags.
enum VOCXML {
    static func elements(_ tag: String, in text: String) -> [Substring] {
        var out: [Substring] = []
        var rest = text[...]
        while let open = rest.range(of: "<\(tag)>"), let close = rest.range(of: "</\(tag)>", range: open.upperBound..<rest.endIndex) {
            out.append(rest[open.upperBound..<close.lowerBound])
            rest = rest[close.upperBound...]
        }
        return out
    }

    static func first(_ tag: String, in text: Substring) -> String? {
        elements(tag, in: String(text)).first.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
    }
}

/// Whether images sit in class folders (`class/x.jpg`, or `split/class/x.jpg`), decided one
/// path at a time, so a streamed listing is judged without keeping its keys.
///
/// - Complexity: O(1) per path; memory O(classes).
public struct ClassFolders: Sendable {
    /// The class folders seen (emptied once a path is outside any).
    public private(set) var classes = Set<String>()
    private var allInClassFolders = true
    private var paths = 0

    public init() {}

    /// Takes one image's path relative to the root.
    public mutating func add(_ relativePath: String) {
        paths += 1
        guard allInClassFolders else { return }
        let parts = relativePath.split(separator: "/")
        let depthOK =
            parts.count == 2 && DatasetLayout.canonicalSplit(String(parts[0])) == nil
            || parts.count == 3 && DatasetLayout.canonicalSplit(String(parts[0])) != nil
        if depthOK {
            classes.insert(String(parts[parts.count - 2]))
        } else {
            allInClassFolders = false
            classes = []
        }
    }

    /// A classification dataset: every image in a class folder, and at least two classes.
    public var isClassification: Bool { paths > 0 && allInClassFolders && classes.count >= 2 }

    /// Makes `layout` a classification layout with these classes, when it is one.
    public func apply(to layout: inout DatasetLayout) {
        guard isClassification else { return }
        layout.format = "classification"
        layout.classNames = classes.sorted()
    }
}
