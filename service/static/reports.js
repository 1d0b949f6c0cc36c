// Draws the /reports charts with Apache ECharts (vendored under /static/vendor/echarts, no CDN).
// The figures come from the page's own JSON block; each chart has its numbers as a table below.
(function () {
  var source = document.getElementById('report-data');
  if (!source) return;
  var data = JSON.parse(source.textContent);
  if (typeof echarts === 'undefined') {
    document.querySelectorAll('.chart').forEach(function (el) {
      el.textContent = '图表组件未加载，数据见下表。';
    });
    return;
  }
  var palette = ['#2563eb', '#16a34a', '#f59e0b', '#dc2626', '#7c3aed', '#0891b2', '#db2777', '#65a30d'];
  var charts = [];

  function draw(id, option, hasData) {
    var el = document.getElementById(id);
    if (!el) return;
    if (!hasData) { el.classList.add('chart-empty'); el.textContent = data.labels.none; return; }
    var chart = echarts.init(el, null, { renderer: 'canvas' });
    option.color = palette;
    option.animation = false;
    option.textStyle = { fontFamily: 'inherit' };
    chart.setOption(option);
    charts.push(chart);
  }
  function pairs(rows) { return rows.map(function (r) { return { name: r[0], value: r[1] }; }); }
  function narrow() { return window.innerWidth < 600; }

  function stacked(id, block, unit) {
    var series = block.series.map(function (name, i) {
      var one = { name: name, type: 'bar', stack: 'all', barMaxWidth: 48,
                  data: block.values.map(function (row) { return row[i]; }) };
      if (block.colours) one.itemStyle = { color: block.colours[i] };
      return one;
    });
    draw(id, {
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
      legend: { top: 0, type: 'scroll' },
      grid: { left: 8, right: 16, bottom: 8, top: 36, containLabel: true },
      xAxis: { type: 'category', data: block.processes || block.years,
               axisLabel: { interval: 0, width: narrow() ? 70 : 120, overflow: 'break' } },
      yAxis: { type: 'value', name: unit, minInterval: 1 },
      series: series
    }, block.values.length > 0);
  }

  function horizontal(id, rows) {
    var sorted = rows.slice().reverse();
    draw(id, {
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
      grid: { left: 8, right: 24, bottom: 8, top: 8, containLabel: true },
      xAxis: { type: 'value', minInterval: 1 },
      yAxis: { type: 'category', data: sorted.map(function (r) { return r[0]; }),
               axisLabel: { width: narrow() ? 90 : 160, overflow: 'truncate' } },
      series: [{ type: 'bar', name: data.labels.count, barMaxWidth: 28,
                 data: sorted.map(function (r) { return r[1]; }),
                 label: { show: true, position: 'right' } }]
    }, rows.length > 0);
  }

  function pie(id, rows) {
    draw(id, {
      tooltip: { trigger: 'item', formatter: '{b}：{c}（{d}%）' },
      legend: { bottom: 0, type: 'scroll' },
      series: [{ type: 'pie', radius: ['35%', '62%'], center: ['50%', '45%'],
                 label: { formatter: '{b}\n{c}' }, data: pairs(rows) }]
    }, rows.length > 0);
  }

  stacked('chart-cases', data.cases, data.labels.count);
  horizontal('chart-tasks', data.tasks);
  horizontal('chart-overdue', data.overdue);
  pie('chart-talent-status', data.talentStatus);
  pie('chart-talent-category', data.talentCategory);
  stacked('chart-rewards', { years: data.rewards.years, series: data.rewards.series,
                             values: data.rewards.values }, data.labels.yuan);

  window.addEventListener('resize', function () { charts.forEach(function (c) { c.resize(); }); });
})();
