import CLibXML2

/// The Blob service's XML bodies, read with libxml2: error bodies and blob listings. The parser never loads a DTD
/// or an external entity, and never touches the network.
enum BlobXML {
    /// The most bytes of XML parsed.
    static let maxBytes = 16 << 20

    /// libxml2 is initialised once, before any thread parses (versions before 2.12 require it).
    private static let initialized: Bool = {
        xmlInitParser()
        return true
    }()

    /// One element: its name, its text (the concatenated text of its direct children), and its child elements.
    struct Element: Sendable {
        var name: String
        var text: String
        var children: [Element]

        func child(_ name: String) -> Element? { self.children.first { $0.name == name } }

        func children(_ name: String) -> [Element] { self.children.filter { $0.name == name } }
    }

    /// The document's root element, or nil when the bytes are not well-formed XML.
    static func parse(_ bytes: [UInt8]) -> Element? {
        _ = Self.initialized
        guard !bytes.isEmpty, bytes.count <= Self.maxBytes else { return nil }
        let options = Int32(XML_PARSE_NONET.rawValue | XML_PARSE_NOERROR.rawValue | XML_PARSE_NOWARNING.rawValue)
        let document = bytes.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { xmlReadMemory($0.baseAddress, Int32(buffer.count), nil, "UTF-8", options) }
        }
        guard let document else { return nil }
        defer { xmlFreeDoc(document) }
        guard let root = xmlDocGetRootElement(document) else { return nil }
        return Self.element(root, depth: 0)
    }

    private static func element(_ node: xmlNodePtr, depth: Int) -> Element {
        var element = Element(name: node.pointee.name.map { String(cString: $0) } ?? "", text: "", children: [])
        var child = node.pointee.children
        while let current = child {
            switch current.pointee.type {
            case XML_ELEMENT_NODE where depth < 16:
                element.children.append(Self.element(current, depth: depth + 1))
            case XML_TEXT_NODE, XML_CDATA_SECTION_NODE:
                if let content = current.pointee.content { element.text += String(cString: content) }
            default:
                break
            }
            child = current.pointee.next
        }
        return element
    }
}
