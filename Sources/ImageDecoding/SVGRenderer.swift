internal import CVips

/// Renders SVG (the project's charts) to PNG through libvips and librsvg.
public enum SVGRenderer {
    /// PNG bytes of `svg` drawn at `dpi` (96 is one PNG pixel per CSS pixel).
    public static func png(_ svg: String, dpi: Double = 150) throws(ImageEncoder.EncodeError) -> [UInt8] {
        let bytes = Array(svg.utf8)
        cvips_error_clear()
        var out: UnsafeMutableRawPointer?
        var length = 0
        let rc = bytes.withUnsafeBytes { cvips_svg_to_png($0.baseAddress, $0.count, dpi / 96, &out, &length) }
        guard rc == 0, let out else {
            throw ImageEncoder.EncodeError(description: "could not render the chart to PNG: \(LibvipsError.take())")
        }
        let png = [UInt8](UnsafeRawBufferPointer(start: out, count: length))
        cvips_free(out)
        return png
    }
}
