// Lane headers show the role's Chinese name, while the lane's `name` stays the role key the
// engine reads (a lane names the role that works its tasks). One script for the designer's
// modeler and the case page's viewer, fed with the server's role names (core/roles.py), so
// both pages call a lane the same and the names live in one place.
window.TalentFlowLanes = (function () {
  'use strict';

  // `diagram`: a bpmn-js Viewer or Modeler after importXML; `roleLabels`: {role key: name}.
  // Safe to call again (after an edit): the earlier labels are replaced.
  function label(diagram, roleLabels) {
    var overlays = diagram.get('overlays');
    overlays.remove({ type: 'tf-lane' });
    diagram.get('elementRegistry').filter(function (el) { return el.type === 'bpmn:Lane'; })
      .forEach(function (lane) {
        var key = lane.businessObject.name || '';
        var name = Object.prototype.hasOwnProperty.call(roleLabels, key) ? roleLabels[key] : null;
        var div = document.createElement('div');
        div.className = 'tf-lane-label' + (name ? '' : ' tf-lane-unknown');
        div.textContent = name || key || '—';
        div.title = key;
        div.style.height = lane.height + 'px';
        overlays.add(lane, 'tf-lane', { position: { top: 0, left: 0 }, html: div });
      });
  }

  return { label: label };
})();
