import DatasetAnalysis
import DatasetIO
import Foundation
import Testing

/// Small fixture datasets in each layout, made here, with hand-computed expectations.
@Suite("dataset formats and annotations")
struct DatasetFormatTests {
    func image(_ ws: Workspace, _ path: String, seed: UInt64 = 1) throws {
        try ws.write(try Fixtures.jpeg(Fixtures.scene(seed, width: 100, height: 80)), to: path)
    }

    func text(_ ws: Workspace, _ path: String, _ content: String) throws {
        try ws.write(Array(content.utf8), to: path)
    }

    @Test func yoloLayoutAndAnnotationStatistics() throws {
        let ws = try Workspace()
        try text(ws, "data.yaml", "train: images/train\nval: images/val\nnc: 2\nnames: [cat, dog]\n")
        for (i, path) in ["images/train/a.jpg", "images/train/b.jpg", "images/val/c.jpg", "images/val/d.jpg"].enumerated() {
            try image(ws, path, seed: UInt64(i + 1))
        }
        try text(ws, "labels/train/a.txt", "0 0.5 0.5 0.2 0.4\n1 0.25 0.25 0.1 0.1\n")
        try text(ws, "labels/train/b.txt", "")
        try text(ws, "labels/val/c.txt", "2 0.5 0.5 0.1 0.1\n0 0.95 0.5 0.2 0.2\n")
        try text(ws, "labels/train/orphan.txt", "1 0.5 0.5 0.3 0.3\n")

        let layout = try DatasetDetector.detect(ws.path)
        #expect(layout.format == "yolo")
        #expect(layout.classNames == ["cat", "dog"])
        #expect(layout.splitCounts == ["train": 2, "val": 2])

        let read = try AnnotationReader.read(ws.path, format: nil)
        let stats = AnnotationStats(annotated: read.annotated, imageFiles: read.imageFiles, classCount: 2)
        #expect(stats.images == 4)
        #expect(stats.objects == 5)
        #expect(stats.classCounts == ["cat": 2, "dog": 2, "unknown id 2": 1])
        #expect(stats.imagesWithoutLabels == ["images/val/d.jpg"])
        #expect(stats.labelsWithoutImages == ["labels/train/orphan.txt"])
        #expect(Set(stats.invalidBoxes.map { String($0.reason.prefix(7)) }) == ["unknown", "outside"])
        #expect(stats.invalidBoxes.map(\.source).sorted() == ["labels/val/c.txt:1", "labels/val/c.txt:2"])
        #expect(stats.objectsPerImage.mean == 1.25 && stats.objectsPerImage.max == 2 && stats.objectsPerImage.min == 0)
        #expect(stats.objectsPerImageHistogram == [1, 1, 2])
        // Areas 0.08, 0.01, 0.01, 0.04, 0.09: the median is 0.04.
        #expect(abs(stats.boxAreaFraction.median - 0.04) < 1e-9)
    }

    @Test func cocoLayoutAndAnnotationStatistics() throws {
        let ws = try Workspace()
        for name in ["x", "y", "z"] { try image(ws, "images/train/\(name).jpg") }
        try text(
            ws, "annotations/instances_train.json",
            """
            {"images": [{"id": 1, "file_name": "x.jpg", "width": 100, "height": 80},
                        {"id": 2, "file_name": "y.jpg", "width": 100, "height": 80}],
             "categories": [{"id": 1, "name": "person"}],
             "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "bbox": [10, 10, 20, 30]},
                             {"id": 2, "image_id": 1, "category_id": 7, "bbox": [0, 0, 5, 5]},
                             {"id": 3, "image_id": 2, "category_id": 1, "bbox": [90, 70, 20, 20]}]}
            """)
        let layout = try DatasetDetector.detect(ws.path)
        #expect(layout.format == "coco")
        #expect(layout.classNames == ["person"])
        #expect(layout.splitCounts == ["train": 3])
        let read = try AnnotationReader.read(ws.path, format: nil)
        let stats = AnnotationStats(annotated: read.annotated, imageFiles: read.imageFiles, classCount: 1)
        #expect(stats.objects == 3)
        #expect(stats.classCounts == ["person": 2, "unknown id 7": 1])
        #expect(stats.imagesWithoutLabels == ["images/train/z.jpg"])
        #expect(stats.invalidBoxes.map(\.reason).sorted().first?.hasPrefix("outside") == true)
        #expect(stats.invalidBoxes.count == 2)
        // 20×30 of 100×80 = 0.075, 5×5 = 0.003125, 20×20 = 0.05.
        #expect(abs(stats.boxAreaFraction.median - 0.05) < 1e-9)
    }

    @Test func vocLayoutAndAnnotationStatistics() throws {
        let ws = try Workspace()
        try image(ws, "JPEGImages/a.jpg")
        try image(ws, "JPEGImages/b.jpg", seed: 2)
        try text(ws, "ImageSets/Main/train.txt", "a\n")
        try text(ws, "ImageSets/Main/val.txt", "b\n")
        try text(
            ws, "Annotations/a.xml",
            """
            <annotation><filename>a.jpg</filename><size><width>100</width><height>80</height><depth>3</depth></size>
            <object><name>car</name><bndbox><xmin>10</xmin><ymin>10</ymin><xmax>50</xmax><ymax>40</ymax></bndbox></object>
            <object><name>bike</name><bndbox><xmin>0</xmin><ymin>0</ymin><xmax>0</xmax><ymax>10</ymax></bndbox></object>
            </annotation>
            """)
        let layout = try DatasetDetector.detect(ws.path)
        #expect(layout.format == "voc")
        #expect(layout.classNames == ["bike", "car"])
        #expect(layout.splitCounts == ["train": 1, "val": 1])
        let read = try AnnotationReader.read(ws.path, format: "voc")
        let stats = AnnotationStats(annotated: read.annotated, imageFiles: read.imageFiles, classCount: nil)
        #expect(stats.classCounts == ["car": 1, "bike": 1])
        #expect(stats.invalidBoxes.map(\.reason).first?.hasPrefix("zero or negative area") == true)
        #expect(stats.imagesWithoutLabels == ["JPEGImages/b.jpg"])
        #expect(abs(stats.boxAspectRatio.median - 40.0 / 30.0) < 1e-9)
    }

    @Test func classificationLayoutIsRecordedByScan() throws {
        let ws = try Workspace()
        try image(ws, "data/train/cat/1.jpg", seed: 1)
        try image(ws, "data/train/dog/2.jpg", seed: 2)
        try image(ws, "data/val/cat/3.jpg", seed: 3)
        let layout = try DatasetDetector.detect(ws.file("data"))
        #expect(layout.format == "classification")
        #expect(layout.classNames == ["cat", "dog"])
        #expect(layout.splitCounts == ["train": 2, "val": 1])

        let run = try Imgeda.run(["scan", ws.file("data"), "-o", ws.file("m.jsonl")])
        #expect(run.status == 0)
        #expect(run.stderr.contains("CLASSIFICATION, splits train (2), val (1), 2 classes"), "\(run.stderr)")
        let all = try records(ws.file("m.jsonl"))
        let labels = Dictionary(uniqueKeysWithValues: all.map { ($0.filename, "\($0.split ?? "-")/\($0.className ?? "-")") })
        #expect(labels == ["1.jpg": "train/cat", "2.jpg": "train/dog", "3.jpg": "val/cat"])
    }

    /// The README's own example, `imgeda scan train val test -o m.jsonl`: each folder named
    /// as a split is that split, so `check leakage -m m.jsonl` compares them.
    @Test func foldersNamedAsSplitsAreSplits() throws {
        let ws = try Workspace()
        for i in 0..<3 { try image(ws, "train/t\(i).jpg", seed: UInt64(10 + i)) }
        try image(ws, "valid/copy.jpg", seed: 10)  // the same bytes as train/t0.jpg
        try image(ws, "valid/v.jpg", seed: 20)
        try image(ws, "test/cat/x.jpg", seed: 30)
        let run = try Imgeda.run(["scan", "train", "valid", "test", "-o", "m.jsonl"], cwd: ws.path)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderr.contains("Dataset train: FLAT, splits train (3)"), "\(run.stderr)")
        let splits = Dictionary(uniqueKeysWithValues: try records(ws.file("m.jsonl")).map { ($0.filename, $0.split ?? "-") })
        #expect(splits == ["t0.jpg": "train", "t1.jpg": "train", "t2.jpg": "train", "copy.jpg": "val", "v.jpg": "val", "x.jpg": "test"])

        let leakage = try Imgeda.run(["check", "leakage", "-m", "m.jsonl", "--json"], cwd: ws.path)
        #expect(leakage.status == 0, "\(leakage.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(leakage.stdout.utf8)) as? [String: Any])
        let pairs = try #require(object["split_pairs"] as? [[String: Any]])
        let valFromTrain = try #require(pairs.first { $0["earlier"] as? String == "train" && $0["later"] as? String == "val" })
        #expect(valFromTrain["exact_pairs"] as? Int == 1)

        // One folder alone is a dataset of its own, whatever its name.
        #expect(try Imgeda.run(["scan", "train", "-o", "one.jsonl", "--quiet"], cwd: ws.path).status == 0)
        #expect(try records(ws.file("one.jsonl")).allSatisfy { $0.split == nil })
    }

    @Test func flatFolderHasNoSplitsOrClasses() throws {
        let ws = try Workspace()
        try image(ws, "a.jpg")
        try image(ws, "b.jpg", seed: 2)
        let layout = try DatasetDetector.detect(ws.path)
        #expect(layout.format == "flat")
        #expect(layout.splitCounts.isEmpty && layout.classNames.isEmpty)
        let annotations = try Imgeda.run(["annotations", ws.path])
        #expect(annotations.status == 1)
        #expect(annotations.stderr.contains("no annotations found"), "\(annotations.stderr)")
        #expect(annotations.stderr.contains("--annotation-file FILE"))
        #expect(annotations.stderr.split(separator: "\n").count == 1)
    }

    /// Roboflow's and Ultralytics' YOLO export: data.yaml, and images and labels inside each
    /// split folder (`train/images`, `train/labels`, `valid/…`).
    @Test func yoloSplitFoldersWithImagesAndLabels() throws {
        let ws = try Workspace()
        try text(ws, "data.yaml", "train: ../train/images\nval: ../valid/images\nnc: 2\nnames: ['cat', 'dog']\n")
        try image(ws, "train/images/a.jpg", seed: 1)
        try image(ws, "train/images/b.jpg", seed: 2)
        try image(ws, "valid/images/c.jpg", seed: 3)
        try text(ws, "train/labels/a.txt", "0 0.5 0.5 0.2 0.4\n1 0.3 0.3 0.1 0.1\n")
        try text(ws, "valid/labels/c.txt", "1 0.5 0.5 0.5 0.5\n")
        let run = try Imgeda.run(["annotations", ws.path, "--json"])
        #expect(run.status == 0, "\(run.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        #expect(object["format"] as? String == "yolo")
        #expect(object["objects"] as? Int == 3)
        #expect((object["class_counts"] as? [String: Int]) == ["cat": 1, "dog": 2])
        #expect((object["images_without_labels"] as? [String]) == ["train/images/b.jpg"])
        #expect((object["labels_without_images"] as? [String]) == [])
        #expect(try DatasetDetector.detect(ws.path).splitCounts == ["train": 2, "val": 1])

        // A YOLO dataset whose labels are missing is not a success.
        try FileManager.default.removeItem(atPath: ws.file("train/labels"))
        try FileManager.default.removeItem(atPath: ws.file("valid/labels"))
        let none = try Imgeda.run(["annotations", ws.path])
        #expect(none.status == 1)
        #expect(none.stderr.contains("no annotations found") && none.stderr.contains("train/images + train/labels"), "\(none.stderr)")
    }

    /// Roboflow's COCO export: `_annotations.coco.json` beside the images of each split, the
    /// same file names in different splits; and a COCO file given by name.
    @Test func cocoFilesBesideTheImagesAndByName() throws {
        let ws = try Workspace()
        func coco(_ boxes: Int) -> String {
            let annotations = (0..<boxes).map { "{\"id\": \($0), \"image_id\": 1, \"category_id\": 1, \"bbox\": [10, 10, 20, 20]}" }
            return """
                {"images": [{"id": 1, "file_name": "0001.jpg", "width": 100, "height": 80}],
                 "categories": [{"id": 1, "name": "person"}], "annotations": [\(annotations.joined(separator: ", "))]}
                """
        }
        try image(ws, "data/train/0001.jpg", seed: 1)
        try image(ws, "data/valid/0001.jpg", seed: 2)
        try text(ws, "data/train/_annotations.coco.json", coco(2))
        try text(ws, "data/valid/_annotations.coco.json", coco(1))
        let run = try Imgeda.run(["annotations", ws.file("data"), "--json"])
        #expect(run.status == 0, "\(run.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        #expect(object["format"] as? String == "coco")
        #expect(object["objects"] as? Int == 3)
        #expect((object["images_without_labels"] as? [String]) == [])
        #expect((object["labels_without_images"] as? [String]) == [])

        // The same files by name, relative to where the command runs, one per split.
        let bySplit = try Imgeda.run(
            [
                "annotations", ".", "--annotation-file", "train/_annotations.coco.json",
                "--annotation-file", "valid/_annotations.coco.json", "--json",
            ], cwd: ws.file("data"))
        #expect(bySplit.status == 0, "\(bySplit.stderr)")
        let splitObject = try #require(try JSONSerialization.jsonObject(with: Data(bySplit.stdout.utf8)) as? [String: Any])
        #expect(splitObject["objects"] as? Int == 3)
        #expect((splitObject["images_without_labels"] as? [String]) == [])

        // A file by name, outside the dataset folder, with a name detection would not look for.
        try image(ws, "plain/0001.jpg", seed: 3)
        try text(ws, "exported.json", coco(4))
        let named = try Imgeda.run(["annotations", ws.file("plain"), "--annotation-file", ws.file("exported.json"), "--json"])
        #expect(named.status == 0, "\(named.stderr)")
        let namedObject = try #require(try JSONSerialization.jsonObject(with: Data(named.stdout.utf8)) as? [String: Any])
        #expect(namedObject["objects"] as? Int == 4)
        #expect((namedObject["images_without_labels"] as? [String]) == [])
        #expect(try Imgeda.run(["annotations", ws.file("plain")]).status == 1)
        let missing = try Imgeda.run(["annotations", ws.file("plain"), "--annotation-file", ws.file("nope.json")])
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("nope.json is not a COCO annotation file"), "\(missing.stderr)")
    }

    @Test func annotationsCommandWritesJSON() throws {
        let ws = try Workspace()
        try text(ws, "data.yaml", "names: [cat]\n")
        try image(ws, "images/a.jpg")
        try text(ws, "labels/a.txt", "0 0.5 0.5 0.5 0.5\n")
        let run = try Imgeda.run(["annotations", ws.path, "-o", ws.file("a.json"), "--plots", ws.file("plots")])
        #expect(run.status == 0, "\(run.stderr)")
        for kind in ["classes", "objects-per-image", "box-area", "box-aspect-ratio"] {
            let png = try [UInt8](Data(contentsOf: URL(fileURLWithPath: ws.file("plots/\(kind).png"))))
            #expect(png.count > 5_000 && png.starts(with: [0x89, 0x50, 0x4E, 0x47]), "\(kind)")
        }
        #expect(run.stdout.contains("YOLO annotations"))
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: ws.file("a.json")))) as? [String: Any])
        #expect(object["objects"] as? Int == 1)
        #expect((object["class_counts"] as? [String: Int]) == ["cat": 1])
    }
}
