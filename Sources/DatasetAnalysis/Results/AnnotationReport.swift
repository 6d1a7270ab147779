/// What `imgeda annotations` found in a detection dataset's labels: the format read, the
/// class names it declares, and the statistics, encoded with the keys the command writes.
public struct AnnotationReport: Sendable, Encodable {
    /// The dataset's root folder, as given.
    public var root: String
    public var format: String
    public var classNames: [String]
    /// Images with at least one label file or annotation entry.
    public var labelledImages: Int
    public var stats: AnnotationStats

    public init(root: String, format: String, classNames: [String], labelledImages: Int, stats: AnnotationStats) {
        self.root = root
        self.format = format
        self.classNames = classNames
        self.labelledImages = labelledImages
        self.stats = stats
    }

    /// The report of what an annotation reader found: `annotated` images (their labels) out
    /// of `imageFiles` on disk, with the dataset's class list.
    public init(root: String, format: String, classNames: [String], annotated: [AnnotatedImage], imageFiles: [String]) {
        let stats = AnnotationStats(
            annotated: annotated, imageFiles: imageFiles, classCount: classNames.isEmpty ? nil : classNames.count)
        self.init(root: root, format: format, classNames: classNames, labelledImages: annotated.count, stats: stats)
    }

    enum CodingKeys: String, CodingKey {
        case format, images, objects
        case classNames = "class_names"
        case classCounts = "class_counts"
        case imagesPerClass = "images_per_class"
        case objectsPerImage = "objects_per_image"
        case objectsPerImageHistogram = "objects_per_image_histogram"
        case boxAreaFraction = "box_area_fraction"
        case boxAspectRatio = "box_aspect_ratio"
        case imagesWithoutLabels = "images_without_labels"
        case labelsWithoutImages = "labels_without_images"
        case invalidBoxes = "invalid_boxes"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(format, forKey: .format)
        try c.encode(classNames, forKey: .classNames)
        try c.encode(stats.images, forKey: .images)
        try c.encode(stats.objects, forKey: .objects)
        try c.encode(stats.classCounts, forKey: .classCounts)
        try c.encode(stats.imagesPerClass, forKey: .imagesPerClass)
        try c.encode(stats.objectsPerImage, forKey: .objectsPerImage)
        try c.encode(stats.objectsPerImageHistogram, forKey: .objectsPerImageHistogram)
        try c.encode(stats.boxAreaFraction, forKey: .boxAreaFraction)
        try c.encode(stats.boxAspectRatio, forKey: .boxAspectRatio)
        try c.encode(stats.imagesWithoutLabels, forKey: .imagesWithoutLabels)
        try c.encode(stats.labelsWithoutImages, forKey: .labelsWithoutImages)
        try c.encode(stats.invalidBoxes, forKey: .invalidBoxes)
    }
}
