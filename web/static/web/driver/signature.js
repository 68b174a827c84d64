/* A signature pad: a finger (or mouse) on a <canvas>, exported as a PNG Blob. */

export class SignaturePad {
  constructor(canvas) {
    this.canvas = canvas;
    this.context = canvas.getContext("2d");
    this.inked = false;
    this.drawing = false;
    this.resize();
    canvas.addEventListener("pointerdown", (event) => this.start(event));
    canvas.addEventListener("pointermove", (event) => this.move(event));
    for (const name of ["pointerup", "pointercancel", "pointerleave"]) {
      canvas.addEventListener(name, () => (this.drawing = false));
    }
  }

  resize() {
    const ratio = Math.max(window.devicePixelRatio || 1, 1);
    const box = this.canvas.getBoundingClientRect();
    this.canvas.width = Math.max(1, Math.round(box.width * ratio));
    this.canvas.height = Math.max(1, Math.round(box.height * ratio));
    this.context.setTransform(ratio, 0, 0, ratio, 0, 0);
    this.clear();
  }

  clear() {
    const { context, canvas } = this;
    context.save();
    context.setTransform(1, 0, 0, 1, 0, 0);
    context.fillStyle = "#ffffff"; // a white sheet: the PNG reads well anywhere
    context.fillRect(0, 0, canvas.width, canvas.height);
    context.restore();
    this.inked = false;
  }

  point(event) {
    const box = this.canvas.getBoundingClientRect();
    return { x: event.clientX - box.left, y: event.clientY - box.top };
  }

  start(event) {
    event.preventDefault();
    this.canvas.setPointerCapture && this.canvas.setPointerCapture(event.pointerId);
    this.drawing = true;
    this.last = this.point(event);
    this.dot(this.last);
  }

  move(event) {
    if (!this.drawing) return;
    event.preventDefault();
    const next = this.point(event);
    const { context } = this;
    context.strokeStyle = "#000000";
    context.lineWidth = 3;
    context.lineCap = "round";
    context.lineJoin = "round";
    context.beginPath();
    context.moveTo(this.last.x, this.last.y);
    context.lineTo(next.x, next.y);
    context.stroke();
    this.last = next;
    this.inked = true;
  }

  dot(at) {
    this.context.fillStyle = "#000000";
    this.context.beginPath();
    this.context.arc(at.x, at.y, 1.5, 0, Math.PI * 2);
    this.context.fill(); // a tap alone is not a signature: `inked` waits for a stroke
  }

  toBlob() {
    return new Promise((resolve) => this.canvas.toBlob(resolve, "image/png"));
  }
}
