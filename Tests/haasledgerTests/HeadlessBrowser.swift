import EventLogTesting
import Foundation
import JSON

/// Headless Chromium (Debian's `chromium`, installed by tools/setup): the real browser a report is checked in.
/// Each run has a profile of its own and no way out to the network: a proxy that refuses and a resolver that
/// finds no host, on top of the page's own Content-Security-Policy.
struct HeadlessBrowser {
    let path: String

    /// The first browser on PATH, or nil (the test then says it is skipped and why).
    static func find() -> HeadlessBrowser? {
        let directories = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":")
        for name in ["chromium", "chromium-browser", "google-chrome"] {
            for directory in directories where FileManager.default.isExecutableFile(atPath: "\(directory)/\(name)") {
                return HeadlessBrowser(path: "\(directory)/\(name)")
            }
        }
        return nil
    }

    private func run(_ arguments: [String]) throws -> ChildProcess.Result {
        let profile = try TemporaryDirectory(prefix: "haasledger-chromium")
        var flags = [
            "--headless", "--disable-gpu", "--no-first-run", "--disable-extensions", "--disable-sync",
            "--disable-background-networking", "--disable-component-update", "--user-data-dir=\(profile.path)",
            "--proxy-server=127.0.0.1:9", "--host-resolver-rules=MAP * ~NOTFOUND", "--hide-scrollbars",
        ]
        if getuid() == 0 { flags.append("--no-sandbox") }
        // Bounded: a browser that hangs fails the test instead of holding CI.
        return try ChildProcess.run(program: "/usr/bin/timeout", ["120", path] + flags + arguments)
    }

    /// The page's DOM after its scripts ran.
    func dumpDOM(_ file: String) throws -> String {
        let result = try run(["--dump-dom", "file://\(file)"])
        guard result.status == 0 else { throw BrowserFailure(what: "dump-dom", result: result) }
        return result.stdout
    }

    /// A PNG of the page's first `width` × `height` pixels.
    func screenshot(_ file: String, to png: String, width: Int = 1280, height: Int = 1600) throws {
        let result = try run(["--screenshot=\(png)", "--window-size=\(width),\(height)", "file://\(file)"])
        guard result.status == 0, FileManager.default.fileExists(atPath: png) else {
            throw BrowserFailure(what: "screenshot", result: result)
        }
    }

    struct BrowserFailure: Error, CustomStringConvertible {
        let what: String
        let result: ChildProcess.Result
        var description: String { "chromium \(what) exited \(result.status): \(result.stderr.suffix(2_000))" }
    }

    /// A copy of `report` with a probe: errors are caught from the first script on, and once the report's
    /// script has run the probe records every SVG's size, the resources fetched, whether the report said it
    /// was ready, and what one click on a numeric heading did to that column's order.
    static func probed(_ report: String) -> String {
        let catcher =
            "<script>window.__errors=[];window.addEventListener('error',function(e){window.__errors.push(String(e.message))});</script>"
        let probe = """
            <script>(function(){var out={errors:window.__errors,ready:document.documentElement.getAttribute('data-ready'),
            svgs:[],resources:performance.getEntriesByType('resource').map(function(r){return r.name})};
            document.querySelectorAll('svg').forEach(function(s){var b=s.getBoundingClientRect();out.svgs.push([b.width,b.height])});
            var table=document.querySelector('table.sortable'),th=null;
            if(table){table.querySelectorAll('th').forEach(function(h,i){if(h.textContent==='total return'){th=h;out.column=i}})}
            if(th){th.click();out.sorted=Array.prototype.map.call(table.tBodies[0].rows,function(r){
            var v=r.cells[out.column].getAttribute('data-v');return v===''?null:Number(v)});out.heading=th.className}
            var pre=document.createElement('pre');pre.id='probe';pre.textContent=JSON.stringify(out);
            document.body.appendChild(pre)})();</script>
            """
        return report.replacingOccurrences(of: "<head>", with: "<head>" + catcher)
            .replacingOccurrences(of: "</body>", with: probe + "</body>")
    }

    /// The probe's record from a dumped DOM.
    static func probe(in dom: String) throws -> JSONValue {
        guard let start = dom.range(of: "<pre id=\"probe\">"),
            let end = dom.range(of: "</pre>", range: start.upperBound..<dom.endIndex)
        else { throw ProbeMissing(dom: String(dom.suffix(2_000))) }
        let text = dom[start.upperBound..<end.lowerBound].replacingOccurrences(of: "&lt;", with: "<")
            .replacingOccurrences(of: "&gt;", with: ">").replacingOccurrences(of: "&amp;", with: "&")
        return try JSONParser.parse(text)
    }

    struct ProbeMissing: Error, CustomStringConvertible {
        let dom: String
        var description: String { "the probe wrote nothing; the page's end: \(dom)" }
    }

    /// How many distinct colours the PNG's pixels hold (decoded by Python's zlib: PNG filters undone, any
    /// colour type), so a blank page (one colour) is told from a drawn one.
    static func distinctColours(_ png: String) throws -> Int {
        let script = """
            import struct,sys,zlib
            d=open(sys.argv[1],'rb').read();p=8;idat=b'';w=h=0
            while p<len(d):
                n,=struct.unpack('>I',d[p:p+4]);t=d[p+4:p+8];c=d[p+8:p+8+n];p+=12+n
                if t==b'IHDR':w,h,bits,ct=struct.unpack('>IIBB',c[:10])
                if t==b'IDAT':idat+=c
            bpp={2:3,6:4,0:1,4:2}[ct];raw=zlib.decompress(idat);stride=w*bpp;prev=bytearray(stride);colours=set();i=0
            for y in range(h):
                f=raw[i];line=bytearray(raw[i+1:i+1+stride]);i+=1+stride
                for x in range(stride):
                    a=line[x-bpp] if x>=bpp else 0;b=prev[x];c=prev[x-bpp] if x>=bpp else 0
                    if f==1:line[x]=(line[x]+a)&255
                    elif f==2:line[x]=(line[x]+b)&255
                    elif f==3:line[x]=(line[x]+(a+b)//2)&255
                    elif f==4:
                        q=a+b-c;pa,pb,pc=abs(q-a),abs(q-b),abs(q-c)
                        line[x]=(line[x]+(a if pa<=pb and pa<=pc else b if pb<=pc else c))&255
                if y%4==0:
                    for x in range(0,stride,bpp*4):colours.add(bytes(line[x:x+bpp]))
                prev=line
            print(len(colours))
            """
        let result = try ChildProcess.run(program: "/usr/bin/env", ["python3", "-c", script, png])
        guard result.status == 0, let count = Int(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw BrowserFailure(what: "png decode (python3)", result: result)
        }
        return count
    }
}
