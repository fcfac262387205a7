/// The report's style sheet and script, inlined into every file: it opens with no network (the page's
/// Content-Security-Policy forbids any fetch), and prints on paper.
enum ReportAssets {
    static let contentSecurityPolicy =
        "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:"

    static let style = """
        :root{--ink:#1f2328;--muted:#59636e;--rule:#d1d9e0;--accent:#0969da;--good:#1a7f37;--bad:#b42318}
        *{box-sizing:border-box}
        body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--ink);margin:0 auto;max-width:1180px;padding:16px 24px 48px}
        h1{font-size:24px;margin:8px 0 4px}h2{font-size:19px;margin:32px 0 8px;padding-top:8px;border-top:2px solid var(--rule)}
        h3{font-size:16px;margin:20px 0 6px}h4{font-size:14px;margin:14px 0 4px}
        p.note,.note{color:var(--muted);font-size:12px}
        code{font:12px ui-monospace,SFMono-Regular,Menlo,monospace;background:#f6f8fa;padding:1px 4px;border-radius:4px}
        nav ul{columns:3;padding-left:18px;margin:4px 0}
        dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:2px 16px;margin:8px 0}
        dl.facts dt{color:var(--muted)}dl.facts dd{margin:0}
        .charts{display:flex;flex-wrap:wrap;gap:12px}
        svg.chart{width:560px;max-width:100%;height:auto;background:#fff;border:1px solid var(--rule);border-radius:6px}
                svg text{font:11px system-ui,sans-serif;fill:var(--ink)}svg text.title{font-weight:600;font-size:12px}
        svg text.tick,svg text.note{fill:var(--muted);font-size:10px}svg text.cell-text{font-size:9px;pointer-events:none}
        .grid{stroke:#eef1f4;fill:none}.axis,.rule{stroke:#8c959f;fill:none}
        .pt{fill:var(--accent);fill-opacity:.55}.pt.front{fill:var(--bad);fill-opacity:1}.pt.best{fill:var(--good);fill-opacity:1}
        .pt.infeasible{fill:#bf8700}.pt.failed{fill:#8c959f}
        .line{fill:none;stroke:var(--accent);stroke-width:1.5}.line.front{stroke:var(--bad);stroke-dasharray:4 3}
        .line.best{stroke:var(--good);stroke-width:2}.line.faint{stroke-opacity:.25;stroke-width:1}
        .area{fill:var(--bad);fill-opacity:.25;stroke:var(--bad);stroke-width:1}
        .bar{fill:var(--accent);fill-opacity:.7}.density{fill:var(--accent)}
        .d0{fill-opacity:.12}.d1{fill-opacity:.26}.d2{fill-opacity:.4}.d3{fill-opacity:.56}.d4{fill-opacity:.74}.d5{fill-opacity:.95}
        .scroll{overflow-x:auto;max-width:100%}
        table{border-collapse:collapse;margin:6px 0 12px;font-size:12.5px}
        caption{text-align:left;color:var(--muted);padding:2px 0}
        th,td{padding:3px 8px;border-bottom:1px solid var(--rule);white-space:nowrap;text-align:left}
        th{background:#f6f8fa;position:sticky;top:0;cursor:pointer;user-select:none}
        th.num,td.num{text-align:right}th.asc::after{content:" \\2191"}th.desc::after{content:" \\2193"}
        tr:hover td{background:#f6f8fa}a{color:var(--accent);text-decoration:none}a:hover{text-decoration:underline}
        #tip{position:fixed;pointer-events:none;background:#1f2328;color:#fff;font-size:12px;padding:4px 8px;border-radius:4px;display:none;max-width:420px;white-space:pre-wrap;z-index:9}
        section.backtest{break-inside:avoid}
        @media print{body{max-width:none;padding:0}nav,#tip{display:none}h2{break-before:page}th{position:static}svg.chart{border:none}}
        """

    /// Tooltips for every `data-tip`, and tables that sort on a header click (numbers by `data-v`, ±inf as
    /// numbers, empty and undefined last either way).
    static let script = """
        (function(){
        var tip=document.getElementById('tip');
        document.addEventListener('mouseover',function(e){var t=e.target.closest?e.target.closest('[data-tip]'):null;
        if(!t){tip.style.display='none';return}tip.textContent=t.getAttribute('data-tip');tip.style.display='block'});
        document.addEventListener('mousemove',function(e){tip.style.left=(e.clientX+14)+'px';tip.style.top=(e.clientY+14)+'px'});
        function key(td){if(!td)return null;var v=td.getAttribute('data-v');if(v===null)return td.textContent;
        if(v==='')return null;return Number(v)}
        document.querySelectorAll('table.sortable').forEach(function(table){
        table.querySelectorAll('th').forEach(function(th,column){th.addEventListener('click',function(){
        var body=table.tBodies[0],rows=Array.prototype.slice.call(body.rows),down=!th.classList.contains('desc');
        table.querySelectorAll('th').forEach(function(h){h.classList.remove('asc','desc')});
        th.classList.add(down?'desc':'asc');
        rows.sort(function(a,b){var x=key(a.cells[column]),y=key(b.cells[column]);
        if(x===null&&y===null)return 0;if(x===null)return 1;if(y===null)return -1;
        var c=(typeof x==='number'&&typeof y==='number')?(x<y?-1:x>y?1:0):String(x).localeCompare(String(y));
        return down?-c:c});
        rows.forEach(function(r){body.appendChild(r)})})})});
        document.documentElement.setAttribute('data-ready','1');
        })();
        """
}
