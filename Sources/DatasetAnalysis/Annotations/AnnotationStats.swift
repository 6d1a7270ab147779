/// One labelled object: a class and a box in pixels (or in relative units, see ``relative``).
public struct AnnotationBox: Sendable, Hashable {
    /// The class name, or nil when the class id is not in the dataset's class list.
    public var className: String?
    public var classID: Int?
    /// Box as left, top, width, height.
    public var x: Double
    public var y: Double
    public var width: Double
    public var height: Double
    /// Whether the box is in 0–1 units of the image (YOLO) rather than pixels.
    public var relative: Bool
    /// Where it was read (file and line or index), for reports of invalid boxes.
    public var source: String

    public init(className: String?, classID: Int?, x: Double, y: Double, width: Double, height: Double, relative: Bool, source: String) {
        self.className = className
        self.classID = classID
        self.x = x
        self.y = y
        self.width = width
        self.height = height
        self.relative = relative
        self.source = source
    }
}

/// The annotations of one image.
public struct AnnotatedImage: Sendable, Hashable {
    /// Image path relative to the dataset root (or the name the annotation file gives).
    public var image: String
    /// Image size in pixels when the annotation states it (COCO, VOC).
    public var width: Int?
    public var height: Int?
    public var boxes: [AnnotationBox]

    public init(image: String, width: Int?, height: Int?, boxes: [AnnotationBox]) {
        self.image = image
        self.width = width
        self.height = height
        self.boxes = boxes
    }
}

/// Summary statistics of a detection dataset's annotations.
public struct AnnotationStats: Sendable {
    public struct Distribution: Sendable, Hashable, Encodable {
        public var count = 0
        public var min = 0.0, p10 = 0.0, median = 0.0, mean = 0.0, p90 = 0.0, max = 0.0

        init(_ values: [Double]) {
            guard !values.isEmpty else { return }
            let sorted = values.sorted()
            count = sorted.count
            func q(_ p: Double) -> Double { sorted[Swift.min(sorted.count - 1, Int(p * Double(sorted.count - 1) + 0.5))] }
            min = sorted[0]
            max = sorted[sorted.count - 1]
            p10 = q(0.1)
            median = q(0.5)
            p90 = q(0.9)
            mean = sorted.reduce(0, +) / Double(sorted.count)
        }
    }

    public struct InvalidBox: Sendable, Hashable, Encodable {
        public var image: String
        public var source: String
        public var reason: String
    }

    public var images = 0
    public var objects = 0
    /// Objects per class name ("unknown id N" for ids outside the class list).
    public var classCounts: [String: Int] = [:]
    /// Images (with annotations) per class.
    public var imagesPerClass: [String: Int] = [:]
    public var objectsPerImage = Distribution([])
    /// Histogram of objects per image: index = object count (the last bucket is "or more").
    public var objectsPerImageHistogram: [Int] = []
    /// Box area as a fraction of the image area.
    public var boxAreaFraction = Distribution([])
    /// Box width / height.
    public var boxAspectRatio = Distribution([])
    /// Every box's area share and aspect ratio, for plots.
    public var areaValues: [Double] = []
    public var aspectValues: [Double] = []
    public var imagesWithoutLabels: [String] = []
    public var labelsWithoutImages: [String] = []
    public var invalidBoxes: [InvalidBox] = []

    /// Computes the statistics.
    ///
    /// - Parameters:
    ///   - annotated: every annotation set read from the dataset.
    ///   - imageFiles: image paths found on disk (relative), to find images without labels
    ///     and labels without images.
    ///   - imageSizes: pixel sizes of images (from a manifest or the annotations), to check
    ///     pixel boxes against image bounds and to compute area fractions.
    public init(annotated: [AnnotatedImage], imageFiles: [String], classCount: Int?) {
        let onDisk = Set(imageFiles)
        let labelled = Set(annotated.map(\.image))
        images = imageFiles.count
        imagesWithoutLabels = imageFiles.filter { !labelled.contains($0) }.sorted()
        labelsWithoutImages = annotated.map(\.image).filter { !onDisk.contains($0) }.sorted()
        var perImage: [Double] = []
        var areas: [Double] = [], ratios: [Double] = []
        var histogram = [Int](repeating: 0, count: 21)
        for item in annotated {
            objects += item.boxes.count
            perImage.append(Double(item.boxes.count))
            histogram[Swift.min(20, item.boxes.count)] += 1
            var classesHere = Set<String>()
            for box in item.boxes {
                let name = box.className ?? "unknown id \(box.classID.map(String.init) ?? "?")"
                classCounts[name, default: 0] += 1
                classesHere.insert(name)
                if let reason = Self.problem(box, in: item, classCount: classCount) {
                    invalidBoxes.append(InvalidBox(image: item.image, source: box.source, reason: reason))
                }
                if box.width > 0 && box.height > 0 {
                    let w = box.relative ? box.width * Double(item.width ?? 1) : box.width
                    let h = box.relative ? box.height * Double(item.height ?? 1) : box.height
                    if box.relative {
                        areas.append(box.width * box.height)
                        // Without the image size, a relative aspect ratio is all there is.
                        ratios.append(item.width != nil && item.height != nil ? w / h : box.width / box.height)
                    } else {
                        if let iw = item.width, let ih = item.height, iw > 0, ih > 0 {
                            areas.append(box.width * box.height / Double(iw * ih))
                        }
                        ratios.append(w / h)
                    }
                }
            }
            for name in classesHere { imagesPerClass[name, default: 0] += 1 }
        }
        objectsPerImage = Distribution(perImage)
        while histogram.count > 1 && histogram.last == 0 { histogram.removeLast() }
        objectsPerImageHistogram = histogram
        boxAreaFraction = Distribution(areas)
        boxAspectRatio = Distribution(ratios)
        areaValues = areas
        aspectValues = ratios
    }

    /// Why a box is invalid: unknown class, zero or negative area, or outside the image.
    static func problem(_ box: AnnotationBox, in item: AnnotatedImage, classCount: Int?) -> String? {
        if box.className == nil {
            return "unknown class id \(box.classID.map(String.init) ?? "?")" + (classCount.map { " (the dataset has \($0) classes)" } ?? "")
        }
        if !(box.width > 0) || !(box.height > 0) { return "zero or negative area (\(box.width) × \(box.height))" }
        let tolerance = box.relative ? 1e-6 : 0.5
        let (maxX, maxY) = box.relative ? (1.0, 1.0) : (Double(item.width ?? Int.max), Double(item.height ?? Int.max))
        if box.x < -tolerance || box.y < -tolerance || box.x + box.width > maxX + tolerance || box.y + box.height > maxY + tolerance {
            return "outside the image"
        }
        return nil
    }
}
