// The process designer (/admin/processes/<id>/edit): the bpmn-js Modeler (or the dmn-js editor
// for a decision table), served from /static/vendor, with a small side panel for what the
// engine needs (lane -> role, task -> form / due days, service task -> operation, gateway
// conditions, timers) and the 校验 / 部署 buttons, which post the XML with the page's CSRF token.
(function () {
  'use strict';
  var config = JSON.parse(document.getElementById('designer-config').textContent);
  var T = config.text;
  var container = document.getElementById('canvas');
  var panel = document.getElementById('panel');
  var statusBox = document.getElementById('designer-status');
  var problemsCard = document.getElementById('problems-card');
  var problemsList = document.getElementById('problems');
  var isDmn = config.kind === 'dmn';
  var SPIFF = 'http://spiffworkflow.org/bpmn/schema/1.0/core';

  // The spiffworkflow extension elements our engine reads, so the modeler keeps and edits them.
  var spiffModdle = {
    name: 'SpiffWorkflow', uri: SPIFF, prefix: 'spiffworkflow', xml: { tagAlias: 'lowerCase' },
    associations: [],
    types: [
      { name: 'Properties', superClass: ['Element'],
        properties: [{ name: 'properties', type: 'Property', isMany: true }] },
      { name: 'Property', superClass: ['Element'],
        properties: [{ name: 'name', isAttr: true, type: 'String' },
                     { name: 'value', isAttr: true, type: 'String' }] },
      { name: 'ServiceTaskOperator', superClass: ['Element'],
        properties: [{ name: 'id', isAttr: true, type: 'String' },
                     { name: 'resultVariable', isAttr: true, type: 'String' },
                     { name: 'parameters', type: 'Parameters' }] },
      { name: 'Parameters', superClass: ['Element'],
        properties: [{ name: 'parameters', type: 'Parameter', isMany: true }] },
      { name: 'Parameter', superClass: ['Element'],
        properties: [{ name: 'id', isAttr: true, type: 'String' },
                     { name: 'type', isAttr: true, type: 'String' },
                     { name: 'value', isAttr: true, type: 'String' }] },
      { name: 'CalledDecisionId', superClass: ['Element'],
        properties: [{ name: 'value', isBody: true, type: 'String' }] },
      { name: 'PreScript', superClass: ['Element'],
        properties: [{ name: 'value', isBody: true, type: 'String' }] },
      { name: 'PostScript', superClass: ['Element'],
        properties: [{ name: 'value', isBody: true, type: 'String' }] }
    ]
  };

  function say(text, kind) {
    statusBox.textContent = text;
    statusBox.className = kind || '';
  }

  // The editors' own labels in Chinese (bpmn-js / dmn-js `translate` service); text not
  // listed stays as the library has it.
  var ZH = {
    'Activate hand tool': '抓手工具（平移画布）', 'Activate lasso tool': '套索工具（框选）',
    'Activate create/remove space tool': '插入/删除空白', 'Activate global connect tool': '连线工具',
    'Create start event': '开始事件', 'Create intermediate/boundary event': '中间/边界事件',
    'Create end event': '结束事件', 'Create gateway': '网关', 'Create task': '任务',
    'Create expanded sub-process': '子流程', 'Create data object reference': '数据对象',
    'Create data store reference': '数据存储', 'Create pool/participant': '池/参与者',
    'Create group': '分组', 'Append end event': '追加结束事件', 'Append gateway': '追加网关',
    'Append task': '追加任务', 'Append intermediate/boundary event': '追加中间事件',
    'Append text annotation': '追加注释', 'Add text annotation': '添加注释',
    'Change element': '更改类型', 'Delete': '删除', 'Change type': '更改类型',
    'Connect using sequence/message flow or association': '连线（顺序流/消息流/关联）',
    'Connect to other element': '连接到其他元素', 'Add lane above': '在上方添加泳道',
    'Add lane below': '在下方添加泳道', 'Divide into two lanes': '拆分为两个泳道',
    'Divide into three lanes': '拆分为三个泳道', 'Search in diagram': '在图中搜索',
    'View DRD': '查看决策关系图', 'Hit policy:': '命中策略：', 'When': '当', 'And': '且',
    'Then': '则', 'Annotations': '备注', 'Add rule': '添加规则', 'Input': '输入', 'Output': '输出',
    'Unique': '唯一（UNIQUE）', 'First': '首个命中（FIRST）', 'Priority': '优先级（PRIORITY）',
    'Any': '任意（ANY）', 'Collect': '汇总（COLLECT）', 'Rule order': '规则顺序（RULE ORDER）',
    'Output order': '输出顺序（OUTPUT ORDER）'
  };
  var translateModule = {
    translate: ['value', function (template, replacements) {
      replacements = replacements || {};
      return (ZH[template] || template).replace(/{([^}]+)}/g, function (_, key) {
        return replacements[key] !== undefined ? replacements[key] : '{' + key + '}';
      });
    }]
  };

  var Editor = isDmn ? window.DmnJS : window.BpmnJS;
  if (!Editor) { container.textContent = T.unsupported; return; }
  var modeler = isDmn
    ? new Editor({ container: container, common: { keyboard: { bindTo: window } },
                   drd: { additionalModules: [translateModule] },
                   decisionTable: { additionalModules: [translateModule] },
                   literalExpression: { additionalModules: [translateModule] } })
    : new Editor({ container: container, keyboard: { bindTo: window },
                   additionalModules: [translateModule],
                   moddleExtensions: { spiffworkflow: spiffModdle } });

  // ---- lane headers show the role's Chinese name (static/lane-labels.js, shared with the
  // case page); only the roles offered here count as known, so a lane naming another is marked
  var laneRoles = {};
  config.roles.forEach(function (role) { laneRoles[role.key] = role.label; });
  function labelLanes() {
    if (!isDmn) window.TalentFlowLanes.label(modeler, laneRoles);
  }

  // ---- helpers for extension elements ----
  function moddle() { return modeler.get('moddle'); }
  function modeling() { return modeler.get('modeling'); }

  function extensionOf(bo, type) {
    var ext = bo.extensionElements;
    return ext && (ext.values || []).filter(function (v) { return v.$type === type; })[0];
  }

  function ensureExtensions(element) {
    var bo = element.businessObject;
    var ext = bo.extensionElements;
    if (!ext) {
      ext = moddle().create('bpmn:ExtensionElements', { values: [] });
      ext.$parent = bo;
      modeling().updateProperties(element, { extensionElements: ext });
    }
    return ext;
  }

  function getProperty(bo, name) {
    var props = extensionOf(bo, 'spiffworkflow:Properties');
    var found = props && (props.properties || []).filter(function (p) { return p.name === name; })[0];
    return found ? found.value : '';
  }

  function setProperty(element, name, value) {
    var ext = ensureExtensions(element);
    var props = extensionOf(element.businessObject, 'spiffworkflow:Properties');
    if (!props) {
      props = moddle().create('spiffworkflow:Properties', { properties: [] });
      props.$parent = ext;
      ext.values.push(props);
    }
    props.properties = (props.properties || []).filter(function (p) { return p.name !== name; });
    if (value) {
      var prop = moddle().create('spiffworkflow:Property', { name: name, value: value });
      prop.$parent = props;
      props.properties.push(prop);
    }
    modeling().updateProperties(element, { extensionElements: ext });
  }

  function setOperation(element, operation, resultVariable) {
    var ext = ensureExtensions(element);
    var op = extensionOf(element.businessObject, 'spiffworkflow:ServiceTaskOperator');
    if (!op) {
      op = moddle().create('spiffworkflow:ServiceTaskOperator', {});
      op.parameters = moddle().create('spiffworkflow:Parameters', { parameters: [] });
      op.$parent = ext;
      ext.values.push(op);
    }
    op.id = operation || undefined;
    op.resultVariable = resultVariable || undefined;
    modeling().updateProperties(element, { extensionElements: ext });
  }

  function expression(body) {
    return moddle().create('bpmn:FormalExpression', { body: body });
  }

  // ---- the side panel ----
  function field(labelText, input) {
    var label = document.createElement('label');
    label.className = 'panel-field';
    var span = document.createElement('span');
    span.textContent = labelText;
    label.appendChild(span);
    label.appendChild(input);
    return label;
  }

  function textInput(value, onChange, multiline) {
    var input = document.createElement(multiline ? 'textarea' : 'input');
    if (!multiline) input.type = 'text';
    input.value = value || '';
    input.addEventListener('change', function () { onChange(input.value.trim()); });
    return input;
  }

  function select(options, value, onChange) {
    var sel = document.createElement('select');
    var none = document.createElement('option');
    none.value = '';
    none.textContent = T.none;
    sel.appendChild(none);
    var known = false;
    options.forEach(function (o) {
      var opt = document.createElement('option');
      opt.value = o.key;
      opt.textContent = o.label === o.key ? o.key : o.label + '（' + o.key + '）';
      if (o.key === value) { opt.selected = true; known = true; }
      sel.appendChild(opt);
    });
    if (value && !known) {  // keep what the diagram says even if it is not offered
      var odd = document.createElement('option');
      odd.value = value; odd.textContent = value; odd.selected = true;
      sel.appendChild(odd);
    }
    sel.addEventListener('change', function () { onChange(sel.value); });
    return sel;
  }

  function timerDefinition(bo) {
    return (bo.eventDefinitions || []).filter(function (d) {
      return d.$type === 'bpmn:TimerEventDefinition';
    })[0];
  }

  function showPanel(element) {
    if (!panel) return;
    panel.innerHTML = '';
    if (!element || element.type === 'bpmn:Process' || element.type === 'bpmn:Collaboration' ||
        element.type === 'label') {
      var hint = document.createElement('p');
      hint.className = 'muted';
      hint.textContent = T.select_hint;
      panel.appendChild(hint);
      return;
    }
    var bo = element.businessObject;
    var head = document.createElement('h3');
    head.textContent = (bo.name || bo.id) + '';
    panel.appendChild(head);
    var sub = document.createElement('p');
    sub.className = 'muted mono';
    sub.textContent = element.type.replace('bpmn:', '') + ' · ' + T.id + ' ' + bo.id;
    panel.appendChild(sub);

    if (element.type === 'bpmn:Lane') {
      panel.appendChild(field(T.role, select(config.roles, bo.name || '', function (v) {
        modeling().updateProperties(element, { name: v });
        labelLanes();
      })));
      var note = document.createElement('p');
      note.className = 'hint';
      note.textContent = T.starter_hint;
      panel.appendChild(note);
      return;
    }
    // The id is the step's name in the API, the inbox and in conditions (`unit_review['decision']`).
    var idInput = textInput(bo.id, function (v) {
      if (!/^[A-Za-z_][A-Za-z0-9_-]{0,199}$/.test(v) ||
          (v !== bo.id && modeler.get('elementRegistry').get(v))) {
        idInput.value = bo.id;
        idInput.setCustomValidity(T.bad_id);
        idInput.reportValidity();
        return;
      }
      idInput.setCustomValidity('');
      modeling().updateProperties(element, { id: v });
      sub.textContent = element.type.replace('bpmn:', '') + ' · ' + T.id + ' ' + v;
    });
    panel.appendChild(field(T.id_label, idInput));
    panel.appendChild(field(T.name, textInput(bo.name, function (v) {
      modeling().updateProperties(element, { name: v || undefined });
      head.textContent = v || bo.id;
    })));
    if (element.type === 'bpmn:UserTask' || element.type === 'bpmn:ManualTask') {
      panel.appendChild(field(T.form, select(config.forms, getProperty(bo, 'form'), function (v) {
        setProperty(element, 'form', v);
      })));
      var due = textInput(getProperty(bo, 'due_working_days'), function (v) {
        setProperty(element, 'due_working_days', v);
      });
      due.type = 'number'; due.min = '1'; due.max = '365'; due.placeholder = T.due_default;
      panel.appendChild(field(T.due, due));
    }
    if (element.type === 'bpmn:ServiceTask') {
      var op = extensionOf(bo, 'spiffworkflow:ServiceTaskOperator');
      var opSelect = select(config.operations, op ? op.id : '', function (v) {
        var current = extensionOf(bo, 'spiffworkflow:ServiceTaskOperator');
        setOperation(element, v, current ? current.resultVariable : '');
      });
      panel.appendChild(field(T.operation, opSelect));
      panel.appendChild(field(T.result, textInput(op ? op.resultVariable : '', function (v) {
        var current = extensionOf(bo, 'spiffworkflow:ServiceTaskOperator');
        setOperation(element, current ? current.id : '', v);
      })));
    }
    if (element.type === 'bpmn:SequenceFlow') {
      var source = element.source && element.source.businessObject;
      var gateway = source && /Gateway$/.test(source.$type) && source.$type !== 'bpmn:ParallelGateway';
      if (gateway) {
        var isDefault = source.default === bo;
        var cond = textInput(bo.conditionExpression ? bo.conditionExpression.body : '', function (v) {
          modeling().updateProperties(element, { conditionExpression: v ? expression(v) : undefined });
        }, true);
        cond.disabled = isDefault;
        cond.placeholder = "decision == 'approve'";
        panel.appendChild(field(T.condition, cond));
        var box = document.createElement('input');
        box.type = 'checkbox';
        box.checked = isDefault;
        box.addEventListener('change', function () {
          modeling().updateProperties(element.source, { 'default': box.checked ? bo : undefined });
          if (box.checked) modeling().updateProperties(element, { conditionExpression: undefined });
          showPanel(element);
        });
        var label = field(T['default'], box);
        label.className += ' panel-check';
        panel.appendChild(label);
      }
    }
    var timer = timerDefinition(bo);
    if (timer) {
      var kind = timer.timeDuration ? 'timeDuration' : timer.timeDate ? 'timeDate' : timer.timeCycle ? 'timeCycle' : 'timeDuration';
      var current = timer[kind] ? timer[kind].body : '';
      var kinds = [{ key: 'timeDuration', label: T.duration }, { key: 'timeDate', label: T.date },
                   { key: 'timeCycle', label: T.cycle }];
      var exprInput;
      function saveTimer(newKind, body) {
        var props = { timeDuration: undefined, timeDate: undefined, timeCycle: undefined };
        props[newKind] = expression(body || '');
        modeling().updateModdleProperties(element, timer, props);
      }
      var kindSelect = select(kinds, kind, function (v) { kind = v || 'timeDuration'; saveTimer(kind, exprInput.value.trim()); });
      panel.appendChild(field(T.timer_kind, kindSelect));
      exprInput = textInput(current, function (v) { saveTimer(kind, v); });
      exprInput.placeholder = '"P15D"';
      panel.appendChild(field(T.timer_expr, exprInput));
    }
  }

  // ---- problems: listed and marked on the elements ----
  var marked = [];
  var problemOverlays = [];
  function clearProblems() {
    problemsList.innerHTML = '';
    problemsCard.hidden = true;
    if (isDmn) return;
    var canvas = modeler.get('canvas');
    var overlays = modeler.get('overlays');
    marked.forEach(function (id) { try { canvas.removeMarker(id, 'tf-problem'); } catch (e) { /* gone */ } });
    problemOverlays.forEach(function (id) { overlays.remove(id); });
    marked = []; problemOverlays = [];
  }

  function showProblems(problems) {
    clearProblems();
    if (!problems.length) return;
    problemsCard.hidden = false;
    var registry = isDmn ? null : modeler.get('elementRegistry');
    problems.forEach(function (p) {
      var li = document.createElement('li');
      var where = [];
      if (p.element_id) where.push(T.element + ' ' + p.element_id);
      if (p.line) where.push(T.line.replace('{line}', p.line));
      li.textContent = (where.length ? '【' + where.join('，') + '】' : '') + p.message;
      var target = registry && p.element_id ? registry.get(p.element_id) : null;
      if (target) {
        li.className = 'linked';
        li.setAttribute('data-element', p.element_id);
        li.addEventListener('click', function () {
          modeler.get('selection').select(target);
          modeler.get('canvas').scrollToElement(target);
        });
        if (marked.indexOf(p.element_id) < 0) {
          modeler.get('canvas').addMarker(p.element_id, 'tf-problem');
          marked.push(p.element_id);
          var badge = document.createElement('div');
          badge.className = 'tf-problem-badge';
          badge.textContent = '!';
          badge.title = p.message;
          problemOverlays.push(modeler.get('overlays').add(target, 'tf-problem',
            { position: { top: -10, right: 10 }, html: badge }));
        }
      }
      problemsList.appendChild(li);
    });
  }

  function post(url, xml) {
    return fetch(url, {
      method: 'POST', credentials: 'same-origin',
      headers: { 'Content-Type': 'application/xml', 'X-CSRF-Token': config.csrf },
      body: xml
    }).then(function (response) {
      return response.json().then(function (body) { return { status: response.status, body: body }; },
        function () { return { status: response.status, body: { message: String(response.status) } }; });
    });
  }

  function currentXml() {
    return modeler.saveXML({ format: true }).then(function (r) { return r.xml; });
  }

  function validate() {
    say(T.validating);
    return currentXml().then(function (xml) { return post(config.validate_url, xml); })
      .then(function (r) {
        if (r.status !== 200) { say(T.failed + (r.body.message || r.status), 'error'); return false; }
        showProblems(r.body.problems || []);
        if (r.body.valid) say(T.valid, 'ok');
        else say(T.invalid.replace('{n}', r.body.problems.length), 'error');
        return r.body.valid;
      }).catch(function (err) { say(T.failed + err.message, 'error'); return false; });
  }

  function deploy() {
    say(T.deploying);
    return currentXml().then(function (xml) { return post(config.deploy_url, xml); })
      .then(function (r) {
        if (r.status === 201) {
          clearProblems();
          say(T.deployed.replace('{version}', r.body.version), 'ok');
          var current = document.getElementById('current-version');
          if (current) current.textContent = T.current.replace('{version}', r.body.version);
          return;
        }
        showProblems(r.body.problems || []);
        say(T.failed + (r.body.message || r.status), 'error');
      }).catch(function (err) { say(T.failed + err.message, 'error'); });
  }

  // Whole diagram in view when it is small; otherwise a readable zoom from its top left. The
  // palette sits on the canvas's left edge, so the diagram starts to the right of it.
  function fitBesidePalette() {
    var canvas = modeler.get('canvas');
    canvas.zoom('fit-viewport', 'auto');
    var scale = Math.max(Math.min(canvas.zoom(), 1), 0.6);
    canvas.zoom(scale);
    var box = canvas.viewbox();
    var palette = container.querySelector('.djs-palette');
    var left = (palette && palette.offsetParent ? palette.getBoundingClientRect().width : 0) + 24;
    canvas.viewbox({ x: box.inner.x - left / scale, y: box.inner.y - 24 / scale,
                     width: box.outer.width / scale, height: box.outer.height / scale });
  }

  document.getElementById('btn-validate').addEventListener('click', validate);
  document.getElementById('btn-deploy').addEventListener('click', deploy);

  modeler.importXML(config.xml).then(function () {
    if (isDmn) {
      var views = modeler.getViews();
      var table = views.filter(function (v) { return v.type === 'decisionTable'; })[0];
      if (table) modeler.open(table);
    } else {
      fitBesidePalette();
      labelLanes();
      modeler.on('selection.changed', function (e) { showPanel(e.newSelection[0]); });
      modeler.on('commandStack.changed', function () { labelLanes(); });
      showPanel(null);
    }
    container.tfModeler = modeler;  // for the browser tests (and the console)
    container.setAttribute('data-rendered', 'true');
  }).catch(function (err) {
    container.textContent = T.failed + err.message;
  });
})();
