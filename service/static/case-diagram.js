// Draws the case's deployed BPMN with the bpmn-js NavigatedViewer (served from /static/vendor,
// installed from npm by `make install`) and marks finished and current steps.
(function () {
  var container = document.getElementById('diagram');
  var source = document.getElementById('diagram-xml');
  if (!container || !source) return;
  if (typeof BpmnJS === 'undefined') {
    container.textContent = '流程图组件未安装（请运行 make install）。';
    return;
  }
  var finished = JSON.parse(container.dataset.finished || '[]');
  var current = JSON.parse(container.dataset.current || '[]');
  var roles = document.getElementById('role-labels');
  var viewer = new BpmnJS({ container: container });
  viewer.importXML(JSON.parse(source.textContent)).then(function () {
    var canvas = viewer.get('canvas');
    var registry = viewer.get('elementRegistry');
    canvas.zoom('fit-viewport', 'auto');
    // lanes named by role key: show the role's Chinese name, as the designer does
    if (roles && window.TalentFlowLanes) window.TalentFlowLanes.label(viewer, JSON.parse(roles.textContent));
    finished.forEach(function (id) {
      if (registry.get(id) && current.indexOf(id) < 0) canvas.addMarker(id, 'tf-done');
    });
    current.forEach(function (id) { if (registry.get(id)) canvas.addMarker(id, 'tf-current'); });
    container.setAttribute('data-rendered', 'true');
  }).catch(function (err) {
    container.textContent = '流程图无法显示：' + err.message;
  });
})();
